import { BenchHome } from '../lib/env.js';
import { bareStartLatencies, spawnAddon } from '../lib/posix-spawn.js';
import type { MetricResult } from '../lib/result.js';
import { percentile, round } from '../lib/stats.js';

/**
 * Enqueue to start on an idle queue: the job's shell execs `date +%s%N` as its first act; the latency is
 * that clock minus the moment just before the enqueue request was written. It includes the durable
 * enqueue commit, the claim, the message to the worker, the spawn of the shell and its exec of date.
 * Floor: the same probe started by a bare posix_spawn from this process, timed the same way (what starting
 * the shell alone costs on this machine); the target is p50 ≤ 2 × the floor's p50 and ≤ 3 ms.
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
    const addon = spawnAddon();
    const floor = addon === null ? null : percentile(await bareStartLatencies(addon, samples), 50);
    const p50 = percentile(latencies, 50);
    return {
      metric: 'start latency',
      value: `p50 ${round(p50, 2)} ms, p99 ${round(percentile(latencies, 99), 2)} ms (enqueue → command running)` + (floor === null ? '' : `; ${round(p50 / floor)} × floor`),
      floor: floor === null ? undefined : `p50 ${round(floor, 2)} ms (bare posix_spawn of the probe)`,
      score: round(p50, 2),
      target: 'p50 ≤ 2 × floor and ≤ 3 ms',
      met: p50 <= 3 && (floor === null || p50 <= 2 * floor),
      notes: floor === null ? 'the posix_spawn addon is not built: no start-latency floor' : undefined,
      raw: { samples, p50, p90: percentile(latencies, 90), p99: percentile(latencies, 99), floor_p50: floor },
    };
  } finally {
    await h.dispose();
  }
}
