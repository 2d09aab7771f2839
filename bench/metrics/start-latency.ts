import { BenchHome } from '../lib/env.js';
import type { MetricResult } from '../lib/result.js';
import { percentile, round } from '../lib/stats.js';

/**
 * Enqueue to start on an idle queue: the job's shell execs `date +%s%N` as its first act; the latency is
 * that clock minus the moment just before the enqueue request was written. It includes the durable
 * enqueue commit, the claim, the message to the worker, the spawn of the shell and its exec of date.
 */
export async function startLatency(samples = 200): Promise<MetricResult> {
  const h = new BenchHome();
  try {
    await h.start(2);
    const client = await h.connect();
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const before = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
      const { job } = await client.call('enqueue', { job: { command: 'exec date +%s%N', cwd: h.home } });
      for (let tries = 0; ; tries++) {
        const { job: now } = await client.call('show', { id: job.id });
        if (now.state === 'completed') break;
        if (tries > 5000) throw new Error(`job ${job.id} did not complete`);
        await new Promise((r) => setTimeout(r, 1));
      }
      const log = await client.call('logs', { id: job.id });
      latencies.push(Number(BigInt(log.data.trim()) - before) / 1e6);
    }
    client.close();
    const p50 = percentile(latencies, 50);
    return {
      metric: 'start latency',
      value: `p50 ${round(p50, 2)} ms, p99 ${round(percentile(latencies, 99), 2)} ms (enqueue → command running)`,
      score: round(p50, 2),
      target: 'p50 ≤ 5 ms',
      met: p50 <= 5,
      raw: { samples, p50, p90: percentile(latencies, 90), p99: percentile(latencies, 99) },
    };
  } finally {
    await h.dispose();
  }
}
