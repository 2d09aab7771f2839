import { BenchHome } from '../lib/env.js';
import type { MetricResult } from '../lib/result.js';
import { percentile, round } from '../lib/stats.js';

/**
 * enqueue over one open connection, one request at a time: each answer means the job is committed (fsync).
 * The one worker is kept busy by a long job, so the figure is the enqueue path itself; the drain metric
 * covers running jobs.
 */
export async function rpcRoundTrip(calls = 2000): Promise<MetricResult> {
  const h = new BenchHome();
  try {
    await h.start(1);
    const client = await h.connect();
    await client.call('enqueue', { job: { command: 'sleep 600', cwd: h.home, priority: 1 } });
    const spec = { command: 'true', cwd: h.home };
    for (let i = 0; i < 200; i++) await client.call('enqueue', { job: spec });
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t = process.hrtime.bigint();
      await client.call('enqueue', { job: spec });
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    client.close();
    const p50 = percentile(times, 50);
    return {
      metric: 'RPC round trip',
      value: `p50 ${round(p50, 3)} ms, p99 ${round(percentile(times, 99), 3)} ms (enqueue, open connection)`,
      score: round(p50, 3),
      target: 'p50 ≤ 0.5 ms',
      met: p50 <= 0.5,
      raw: { calls, p50, p90: percentile(times, 90), p99: percentile(times, 99), max: Math.max(...times) },
    };
  } finally {
    await h.dispose();
  }
}
