import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ListParams, ListResult } from '../../protocol/index.js';
import type { EngineContext } from '../../electron/engine/context.js';
import { list } from '../../electron/engine/rpc/handlers/list.js';
import { stats } from '../../electron/engine/rpc/handlers/stats.js';
import { createStore, type Store } from '../../electron/engine/store/index.js';
import { openDatabase } from '../../electron/engine/store/open.js';
import type { NewJob } from '../../electron/engine/store/transitions/enqueue.js';
import { queueErrorOf } from '../helpers/queue-error.js';

/** A temp database and the little of an engine context that `list` and `stats` use. */
function openHome(): { dir: string; db: Database.Database; store: Store; ctx: EngineContext } {
  const dir = mkdtempSync(join(tmpdir(), 'qctl-handlers-'));
  const db = openDatabase(join(dir, 'queue.db'));
  const store = createStore(db);
  const ctx = { store, paths: { logs: join(dir, 'logs') } } as unknown as EngineContext;
  return { dir, db, store, ctx };
}

const spec = (over: Partial<NewJob> = {}): NewJob => ({ id: null, name: null, command: 'true', max_retries: 0, priority: 0, timeout_ms: null, cwd: null, queue: 'default', ...over });

function invalidMessage(fn: () => unknown): string {
  const err = queueErrorOf(fn);
  expect(err.code).toBe('INVALID_ARGUMENT');
  return err.message;
}

describe('list params', () => {
  let home: ReturnType<typeof openHome>;
  beforeEach(() => (home = openHome()));
  afterEach(() => {
    home.db.close();
    rmSync(home.dir, { recursive: true, force: true });
  });

  it('refuses bad search, sort, order, offset and limit with messages that name the field', () => {
    const call = (params: unknown) => () => list(home.ctx, params);
    expect(invalidMessage(call({ search: 5 }))).toBe('search must be a string');
    expect(invalidMessage(call({ search: 'x'.repeat(1001) }))).toContain('search must be at most 1000 characters');
    expect(invalidMessage(call({ sort: 'size' }))).toBe('unknown sort "size"; sorts are created, updated, priority, attempts, state, command, queue, name, started, finished, duration');
    expect(invalidMessage(call({ order: 'up' }))).toBe('order must be "asc" or "desc", got "up"');
    expect(invalidMessage(call({ offset: -1 }))).toContain('offset must be between 0 and');
    expect(invalidMessage(call({ offset: 1.5 }))).toBe('offset must be a whole number');
    expect(invalidMessage(call({ limit: 0 }))).toContain('limit must be between 1 and 100000');
    expect(invalidMessage(call({ state: 'done' }))).toContain('unknown state "done"');
  });

  it('total counts the matches of state and search, whatever the page', () => {
    const ids = home.store.enqueueMany(Array.from({ length: 30 }, (_, i) => spec({ command: i % 3 === 0 ? `deploy ${i}` : `test ${i}` })), 1);
    home.store.cancel(ids[0]!, 2);
    const call = (p: ListParams): ListResult => list(home.ctx, p);
    expect(call({ limit: 5 })).toMatchObject({ total: 30 });
    expect(call({ state: 'canceled' }).total).toBe(1);
    expect(call({ search: 'DEPLOY', limit: 3 }).total).toBe(10);
    expect(call({ search: 'deploy', limit: 3, offset: 9 })).toMatchObject({ total: 10 });
    expect(call({ search: 'deploy', limit: 3, offset: 9 }).jobs).toHaveLength(1);
    expect(call({ search: 'deploy', offset: 50 })).toEqual({ jobs: [], total: 10 });
    expect(call({ search: 'deploy', state: 'pending' }).total).toBe(9);
    expect(call({ search: '' }).total).toBe(30);
  });
});

describe('list with 100,000 jobs', () => {
  let home: ReturnType<typeof openHome>;
  beforeAll(() => {
    home = openHome();
    const T0 = 1_700_000_000_000;
    for (let b = 0; b < 20; b++) {
      home.store.enqueueMany(
        Array.from({ length: 5000 }, (_, i) =>
          spec({ name: i % 3 ? null : `nightly ${b}-${i}`, command: `python3 scripts/process_batch.py --input data/part-${b * 5000 + i}.csv --out results/`, priority: i % 5 }),
        ),
        T0 + b,
      );
    }
    // A realistic spread of states and update times.
    home.db.exec(`UPDATE jobs SET state = CASE seq % 4 WHEN 0 THEN 'pending' WHEN 1 THEN 'dead' ELSE 'completed' END,
      updated_at = ${T0} + (seq * 7919) % 10000000`);
  }, 120_000);
  afterAll(() => {
    home.db.close();
    rmSync(home.dir, { recursive: true, force: true });
  });

  /** Median of 5 timed calls, after a warm-up. */
  function timed(params: ListParams): { ms: number; result: ListResult } {
    let result = list(home.ctx, params);
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      result = list(home.ctx, params);
      runs.push(performance.now() - start);
    }
    runs.sort((a, b) => a - b);
    return { ms: runs[2]!, result };
  }

  // Right answers here; how fast is the bench's job (`npm run bench -- --only dashboard`, target 100 ms):
  // a timed assertion in a suite that shares 2 cores with browsers and daemons only measures the load.
  it('answers a page with a search, and a page sorted by updated, with the right totals (times logged)', () => {
    const cases: Array<[string, ListParams, number]> = [
      ['newest page', {}, 100_000],
      ['search, rare (11 matches)', { search: 'PART-7777' }, 11],
      ['search, no match', { search: 'no such job' }, 0],
      ['search, common', { search: 'nightly' }, 33_340],
      ['sorted by updated', { sort: 'updated' }, 100_000],
      ['sorted by updated, offset 50,000', { sort: 'updated', order: 'asc', offset: 50_000 }, 100_000],
      ['sorted by updated, one state', { sort: 'updated', state: 'dead' }, 25_000],
      ['search + sorted by updated', { search: 'nightly', sort: 'updated' }, 33_340],
      ['sorted by priority', { sort: 'priority' }, 100_000],
    ];
    const log = vi.fn();
    for (const [label, params, total] of cases) {
      const { ms, result } = timed(params);
      log(`${label}: ${ms.toFixed(1)} ms`);
      expect(result.total, label).toBe(total);
      expect(result.jobs.length, label).toBe(Math.min(50, total));
    }
    console.log(log.mock.calls.map((c) => c[0]).join('\n'));
  });
});

describe('stats', () => {
  let home: ReturnType<typeof openHome>;
  beforeEach(() => (home = openHome()));
  afterEach(() => {
    vi.useRealTimers();
    home.db.close();
    rmSync(home.dir, { recursive: true, force: true });
  });

  it('gives 60 minutes, oldest first, zero-filled, the current minute last', () => {
    const now = Date.parse('2026-03-01T12:30:45.000Z');
    vi.useFakeTimers({ now, toFake: ['Date'] });
    const job = home.store.enqueue(spec({ command: 'work' }), now - 3_600_000);
    const insert = home.db.prepare(`INSERT INTO attempts (job_id, number, started_at, finished_at, outcome) VALUES (?, ?, 0, ?, ?)`);
    let n = 0;
    insert.run(job.id, ++n, Date.parse('2026-03-01T12:30:01.000Z'), 'completed');
    insert.run(job.id, ++n, Date.parse('2026-03-01T12:30:44.999Z'), 'failed');
    insert.run(job.id, ++n, Date.parse('2026-03-01T11:31:00.000Z'), 'completed'); // the oldest minute shown
    insert.run(job.id, ++n, Date.parse('2026-03-01T11:30:59.999Z'), 'completed'); // just before it
    insert.run(job.id, ++n, Date.parse('2026-03-01T12:00:30.000Z'), 'crashed');
    insert.run(job.id, ++n, Date.parse('2026-03-01T12:00:31.000Z'), 'canceled');
    const { throughput, recent_failures } = stats(home.ctx);
    expect(throughput).toHaveLength(60);
    expect(throughput[0]).toEqual({ minute: '2026-03-01T11:31:00.000Z', completed: 1, failed: 0 });
    expect(throughput[29]).toEqual({ minute: '2026-03-01T12:00:00.000Z', completed: 0, failed: 1 });
    expect(throughput[59]).toEqual({ minute: '2026-03-01T12:30:00.000Z', completed: 1, failed: 1 });
    const minutes = throughput.map((m) => Date.parse(m.minute));
    expect(minutes.every((m, i) => i === 0 || m - minutes[i - 1]! === 60_000)).toBe(true);
    expect(throughput.reduce((sum, m) => sum + m.completed + m.failed, 0)).toBe(4);
    expect(recent_failures.map((f) => [f.outcome, f.finished_at, f.command])).toEqual([
      ['failed', '2026-03-01T12:30:44.999Z', 'work'],
      ['crashed', '2026-03-01T12:00:30.000Z', 'work'],
    ]);
  });
});
