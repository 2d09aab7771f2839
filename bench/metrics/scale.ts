import { generateId } from '../../electron/engine/store/transitions/enqueue.js';
import { openDatabase } from '../../electron/engine/store/open.js';
import { BenchHome } from '../lib/env.js';
import type { MetricResult } from '../lib/result.js';
import { median, round } from '../lib/stats.js';

/**
 * Writes `total` finished jobs straight into a new home's database (95% completed, 4% dead, 1% canceled),
 * as a long-lived installation would have them, before the daemon starts.
 */
function seedStore(home: string, total: number): void {
  const db = openDatabase(`${home}/queuectl.db`);
  const insert = db.prepare(`
    INSERT INTO jobs (id, command, state, attempts, max_retries, priority, run_at, created_at, updated_at, finished_at, exit_code, last_error)
    VALUES (?, ?, ?, ?, 3, 0, ?, ?, ?, ?, ?, ?)`);
  const base = Date.now() - total * 10;
  db.transaction(() => {
    for (let i = 0; i < total; i++) {
      const state = i % 100 < 95 ? 'completed' : i % 100 < 99 ? 'dead' : 'canceled';
      const t = base + i * 10;
      insert.run(`${generateId()}${i.toString(36)}`, `make test # ${i}`, state, state === 'dead' ? 4 : 0, t, t, t, t, state === 'dead' ? 1 : 0, state === 'dead' ? 'exited with code 1' : null);
    }
  })();
  db.close();
}

async function medianCall(h: BenchHome, args: string[], n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push((await h.cli(args)).ms);
  return median(times);
}

/** status, list of the DLQ and enqueue with 1,000,000 jobs stored; enqueue compared with an empty store. */
export async function scale(total = 1_000_000, calls = 20): Promise<{ results: MetricResult[]; rssMb: number }> {
  const empty = new BenchHome();
  let emptyEnqueue: number;
  try {
    await empty.start(1);
    emptyEnqueue = await medianCall(empty, ['enqueue', 'true'], calls);
  } finally {
    await empty.dispose();
  }

  const h = new BenchHome();
  try {
    const seeded = Date.now();
    seedStore(h.home, total);
    const seedMs = Date.now() - seeded;
    await h.start(1);
    const status = await medianCall(h, ['status'], calls);
    const dlq = await medianCall(h, ['list', '--state', 'dead', '--limit', '50'], calls);
    const enqueue = await medianCall(h, ['enqueue', 'true'], calls);
    await new Promise((r) => setTimeout(r, 1000));
    const rssMb = h.rssMb();
    const label = `${(total / 1e6).toLocaleString('en')}M jobs stored`;
    const row = (metric: string, ms: number, extra?: string): MetricResult => ({
      metric,
      value: `${round(ms, 1)} ms median CLI wall time (${label})`,
      score: round(ms, 1),
      target: '≤ 50 ms' + (extra ?? ''),
      met: ms <= 50,
    });
    const enqueueRow = row('scale: enqueue', enqueue, `, ≈ empty store (${round(emptyEnqueue, 1)} ms)`);
    enqueueRow.met = enqueue <= 50 && enqueue <= emptyEnqueue * 1.15;
    enqueueRow.raw = { empty_store_ms: emptyEnqueue, seed_ms: seedMs };
    return { results: [row('scale: status', status), row('scale: list --state dead --limit 50', dlq), enqueueRow], rssMb };
  } finally {
    await h.dispose();
  }
}
