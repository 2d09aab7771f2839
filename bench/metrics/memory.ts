import { BenchHome } from '../lib/env.js';
import type { MetricResult } from '../lib/result.js';
import { round } from '../lib/stats.js';

/** Daemon main-process RSS idle (2 workers, after a short settle); the 1M-job figure comes from scale. */
export async function memory(rssWithMillion: number | null): Promise<MetricResult[]> {
  const h = new BenchHome();
  let idle: number;
  try {
    await h.start(2);
    await new Promise((r) => setTimeout(r, 1500));
    idle = h.rssMb();
  } finally {
    await h.dispose();
  }
  const rows: MetricResult[] = [
    { metric: 'memory: idle', value: `${round(idle, 1)} MB RSS (daemon main process)`, score: round(idle, 1), target: '≤ 100 MB', met: idle <= 100 },
  ];
  if (rssWithMillion !== null) {
    rows.push({
      metric: 'memory: 1M jobs',
      value: `${round(rssWithMillion, 1)} MB RSS (after status, list and enqueue on 1M jobs)`,
      score: round(rssWithMillion, 1),
      target: '≤ 100 MB',
      met: rssWithMillion <= 100,
    });
  }
  return rows;
}
