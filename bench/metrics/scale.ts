import { BenchHome } from '../lib/env.js';
import { seedStore } from '../lib/seed.js';
import type { MetricResult } from '../lib/result.js';
import { median, medianRpc, round } from '../lib/stats.js';

async function medianCall(h: BenchHome, args: string[], n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push((await h.cli(args)).ms);
  return median(times);
}

/**
 * status, the DLQ list and enqueue with 1,000,000 jobs stored, timed as RPCs on an open connection (the
 * daemon's work; each CLI call adds Node's start-up on top, reported alongside); enqueue compared with an
 * empty store.
 */
export async function scale(total = 1_000_000, calls = 20): Promise<{ results: MetricResult[]; rssMb: number }> {
  const empty = new BenchHome();
  let emptyEnqueue: number;
  try {
    await empty.start(1);
    const c = await empty.connect();
    emptyEnqueue = await medianRpc(() => c.call('enqueue', { job: { command: 'true', cwd: empty.home } }), calls);
    c.close();
  } finally {
    await empty.dispose();
  }

  const h = new BenchHome();
  try {
    const seeded = Date.now();
    seedStore(h.home, total);
    const seedMs = Date.now() - seeded;
    await h.start(1);
    const c = await h.connect();
    const status = await medianRpc(() => c.call('status', {}), calls);
    const dlq = await medianRpc(() => c.call('list', { state: 'dead', limit: 50 }), calls);
    const enqueue = await medianRpc(() => c.call('enqueue', { job: { command: 'true', cwd: h.home } }), calls);
    c.close();
    const cli = {
      status: await medianCall(h, ['status'], Math.min(calls, 10)),
      dlq: await medianCall(h, ['list', '--state', 'dead', '--limit', '50'], Math.min(calls, 10)),
      enqueue: await medianCall(h, ['enqueue', 'true'], Math.min(calls, 10)),
    };
    await new Promise((r) => setTimeout(r, 1000));
    const rssMb = h.rssMb();
    const label = `${(total / 1e6).toLocaleString('en')}M jobs stored`;
    const row = (metric: string, ms: number, cliMs: number, extra?: string): MetricResult => ({
      metric,
      value: `${round(ms, 2)} ms RPC median (${label}); CLI call ${round(cliMs, 0)} ms`,
      score: round(ms, 2),
      target: '≤ 50 ms' + (extra ?? ''),
      met: ms <= 50,
    });
    const enqueueRow = row('scale: enqueue', enqueue, cli.enqueue, `, ≈ empty store (${round(emptyEnqueue, 2)} ms)`);
    enqueueRow.met = enqueue <= 50 && enqueue <= Math.max(emptyEnqueue * 1.5, emptyEnqueue + 0.5);
    enqueueRow.raw = { empty_store_ms: emptyEnqueue, seed_ms: seedMs, cli_ms: cli };
    return {
      results: [row('scale: status', status, cli.status), row('scale: list --state dead --limit 50', dlq, cli.dlq), enqueueRow],
      rssMb,
    };
  } finally {
    await h.dispose();
  }
}
