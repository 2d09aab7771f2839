import { BenchHome } from '../lib/env.js';
import type { MetricResult } from '../lib/result.js';
import { median, round } from '../lib/stats.js';

/** `queuectl enqueue --stdin` with 100,000 commands; every batch is a durable transaction. */
export async function bulkEnqueue(jobs = 100_000, runs = 3): Promise<MetricResult> {
  const input = Array.from({ length: jobs }, (_, i) => `true # ${i}`).join('\n') + '\n';
  const rates: number[] = [];
  for (let run = 0; run < runs; run++) {
    const h = new BenchHome();
    try {
      await h.start(1);
      const r = await h.cli(['enqueue', '--stdin'], input);
      const printed = r.stdout.split('\n').filter(Boolean).length;
      if (printed !== jobs) throw new Error(`expected ${jobs} ids, got ${printed}`);
      rates.push(jobs / (r.ms / 1000));
    } finally {
      await h.dispose();
    }
  }
  const rate = median(rates);
  return {
    metric: 'bulk enqueue',
    value: `${Math.round(rate).toLocaleString('en')} jobs/s (${jobs.toLocaleString('en')} via --stdin)`,
    score: Math.round(rate),
    target: '≥ 20,000 jobs/s, durable',
    met: rate >= 20_000,
    raw: { jobs, runs: rates.map((r) => round(r, 0)) },
  };
}
