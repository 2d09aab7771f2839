import { BenchHome } from '../lib/env.js';
import type { MetricResult } from '../lib/result.js';
import { seedStore } from '../lib/seed.js';
import { medianRpc, round } from '../lib/stats.js';
import type { ParamsOf } from '../../protocol/index.js';

/** The pages the dashboard's jobs table asks for, each answered by one `list` call. */
const PAGES: Array<{ label: string; params: ParamsOf<'list'> }> = [
  { label: 'first page', params: { limit: 50 } },
  { label: 'page 1,000 (offset 49,950)', params: { limit: 50, offset: 49_950 } },
  { label: 'search "# 4242"', params: { limit: 50, search: '# 4242' } },
  { label: 'dead + search, sorted by updated', params: { limit: 50, state: 'dead', search: 'test', sort: 'updated' } },
  { label: 'sorted by command, ascending', params: { limit: 50, sort: 'command', order: 'asc' } },
  { label: 'last page by attempts', params: { limit: 50, offset: 99_950, sort: 'attempts' } },
];

/**
 * The dashboard's jobs table with `total` jobs stored: every page is read on the server (offset, search,
 * sort), so each must stay fast however many jobs there are. Timed as RPCs on an open connection, as the
 * dashboard's transport calls them.
 */
export async function dashboard(total = 100_000, calls = 20): Promise<MetricResult[]> {
  const h = new BenchHome();
  try {
    seedStore(h.home, total);
    await h.start(1);
    const c = await h.connect();
    const results: MetricResult[] = [];
    for (const { label, params } of PAGES) {
      const ms = await medianRpc(() => c.call('list', params), calls);
      results.push({
        metric: `dashboard: ${label}`,
        value: `${round(ms, 2)} ms RPC median (${total.toLocaleString('en')} jobs stored)`,
        score: round(ms, 2),
        target: '≤ 100 ms',
        met: ms <= 100,
      });
    }
    const stats = await medianRpc(() => c.call('stats', {}), calls);
    results.push({ metric: 'dashboard: stats (throughput, failures)', value: `${round(stats, 2)} ms RPC median`, score: round(stats, 2), target: '≤ 100 ms', met: stats <= 100 });
    c.close();
    return results;
  } finally {
    await h.dispose();
  }
}
