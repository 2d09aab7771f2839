import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { type ErrorCode, type ListSort } from '../../protocol/index.js';
import type { ListFilter } from '../../electron/engine/store/list-query.js';
import type { NewJob } from '../../electron/engine/store/transitions/enqueue.js';
import type { Store } from '../../electron/engine/store/index.js';
import { newJob, useTempStore } from '../helpers/store.js';
import type { RunResult } from '../../electron/engine/store/transitions/finish.js';
import type { JobRow } from '../../electron/engine/store/rows.js';
import { queueErrorOf } from '../helpers/queue-error.js';

const T0 = 1_700_000_000_000;
const FAILED: RunResult = { outcome: 'failed', exitCode: 1, signal: null, error: 'exited with code 1' };
const COMPLETED: RunResult = { outcome: 'completed', exitCode: 0, signal: null, error: null };
const noDelay = (): number => 0;

let db: Database.Database;
let store: Store;
useTempStore('qctl-dash-', (t) => ({ db, store } = t));

const add = (over: Partial<NewJob> = {}, now = T0): JobRow => store.enqueue(newJob(over), now);

/** Runs the best due job once with `result`. */
function runOnce(result: RunResult, now = T0, retryDelay = noDelay): JobRow {
  const claimed = store.claim(1, now);
  if (!claimed) throw new Error('nothing to claim');
  const row = store.finish(claimed.job.id, claimed.attempt, result, now, retryDelay);
  if (!row) throw new Error('finish changed nothing');
  return row;
}

/** One job in each state, with ids named after the state. */
function oneOfEach(): void {
  add({ id: 'completed' });
  runOnce(COMPLETED);
  add({ id: 'dead' });
  runOnce(FAILED);
  add({ id: 'failed', max_retries: 3 });
  runOnce(FAILED, T0, () => 60_000);
  add({ id: 'canceled' });
  store.cancel('canceled', T0);
  add({ id: 'processing' });
  store.claim(1, T0);
  add({ id: 'pending' });
  expect(store.counts()).toEqual({ pending: 1, processing: 1, completed: 1, failed: 1, dead: 1, canceled: 1 });
}

const errorOf = queueErrorOf;
const codeOf = (fn: () => unknown): ErrorCode => errorOf(fn).code;
const attemptsOf = (id: string): number => (db.prepare('SELECT COUNT(*) AS n FROM attempts WHERE job_id = ?').get(id) as { n: number }).n;

describe('retryJob', () => {
  it('puts failed, dead, canceled and completed jobs back to pending, attempts 0, due now; the run numbering goes on', () => {
    oneOfEach();
    for (const id of ['failed', 'dead', 'canceled', 'completed']) {
      expect(store.retryJob(id, T0 + 10)).toMatchObject({ id, state: 'pending', attempts: 0, run_at: T0 + 10, updated_at: T0 + 10 });
    }
    expect(store.counts()).toMatchObject({ pending: 5, processing: 1, completed: 0, failed: 0, dead: 0, canceled: 0 });
    const next = store.claim(1, T0 + 10)!;
    expect(next.job.id).toBe('completed');
    expect(next.attempt).toBe(2);
  });

  it('leaves pending and processing jobs alone, and answers null for them and for unknown ids', () => {
    oneOfEach();
    expect(store.retryJob('pending', T0 + 10)).toBeNull();
    expect(store.retryJob('processing', T0 + 10)).toBeNull();
    expect(store.retryJob('nope', T0 + 10)).toBeNull();
    expect(store.getJob('pending')!.updated_at).toBe(T0);
    expect(store.getJob('processing')!.state).toBe('processing');
  });
});

describe('remove', () => {
  it('deletes finished jobs with their attempts and keeps the counters right', () => {
    oneOfEach();
    expect(attemptsOf('dead')).toBe(1);
    expect(store.remove(['completed', 'dead', 'canceled'])).toEqual(['completed', 'dead', 'canceled']);
    for (const id of ['completed', 'dead', 'canceled']) {
      expect(store.getJob(id)).toBeNull();
      expect(attemptsOf(id)).toBe(0);
    }
    expect(store.counts()).toEqual({ pending: 1, processing: 1, completed: 0, failed: 1, dead: 0, canceled: 0 });
  });

  it('is all or none: one job that is not finished, or missing, and nothing is deleted', () => {
    oneOfEach();
    for (const unfinished of ['pending', 'processing', 'failed']) {
      const err = errorOf(() => store.remove(['completed', unfinished, 'dead']));
      expect(err.code).toBe('INVALID_STATE');
      expect(err.message).toContain(`job ${unfinished} is ${unfinished}`);
      expect(err.message).toContain('cancel it first');
      expect(err.details).toMatchObject({ id: unfinished, state: unfinished });
    }
    expect(codeOf(() => store.remove(['completed', 'missing']))).toBe('JOB_NOT_FOUND');
    expect(store.getJob('completed')).not.toBeNull();
    expect(store.getJob('dead')).not.toBeNull();
    expect(store.counts()).toEqual({ pending: 1, processing: 1, completed: 1, failed: 1, dead: 1, canceled: 1 });
  });
});

describe('purgeDead', () => {
  it('deletes every dead job and nothing else, and answers their ids', () => {
    oneOfEach();
    add({ id: 'dead2', priority: 10 });
    runOnce(FAILED);
    expect(store.purgeDead().sort()).toEqual(['dead', 'dead2']);
    expect(attemptsOf('dead2')).toBe(0);
    expect(store.counts()).toEqual({ pending: 1, processing: 1, completed: 1, failed: 1, dead: 0, canceled: 1 });
    expect(store.purgeDead()).toEqual([]);
  });
});

describe('retryDeadMany', () => {
  it('revives the named dead jobs, all or none', () => {
    oneOfEach();
    add({ id: 'dead2', priority: 10 });
    runOnce(FAILED);
    add({ id: 'dead3', priority: 10 });
    runOnce(FAILED);
    const err = errorOf(() => store.retryDeadMany(['dead', 'pending', 'dead2'], T0 + 5));
    expect(err.code).toBe('INVALID_STATE');
    expect(err.message).toBe('job pending is pending, not dead; only jobs in the DLQ can be retried. Nothing was retried');
    expect(store.getJob('dead')!.state).toBe('dead');
    expect(codeOf(() => store.retryDeadMany(['dead', 'gone'], T0 + 5))).toBe('JOB_NOT_FOUND');
    const rows = store.retryDeadMany(['dead2', 'dead'], T0 + 5);
    expect(rows.map((r) => [r.id, r.state, r.attempts, r.run_at])).toEqual([['dead2', 'pending', 0, T0 + 5], ['dead', 'pending', 0, T0 + 5]]);
    expect(store.getJob('dead3')!.state).toBe('dead');
  });
});

describe('listJobs and countMatching', () => {
  const page = (f: Partial<ListFilter> = {}): string[] =>
    store.listJobs({ sort: 'created', order: 'desc', offset: 0, limit: 100, ...f }).map((r) => r.id);

  it('searches command and name, case-insensitively, with % _ and \\ taken literally', () => {
    add({ id: 'a', command: 'echo Hello World' });
    add({ id: 'b', command: 'make', name: 'Nightly HELLO build' });
    add({ id: 'c', command: 'echo 100% done' });
    add({ id: 'd', command: 'echo 1000 done' });
    add({ id: 'e', command: 'rm file_1' });
    add({ id: 'f', command: 'rm fileX1' });
    add({ id: 'g', command: 'printf "a\\b"' });
    expect(page({ search: 'hello' })).toEqual(['b', 'a']);
    expect(page({ search: '0%' })).toEqual(['c']);
    expect(page({ search: 'e_1' })).toEqual(['e']);
    expect(page({ search: 'a\\b' })).toEqual(['g']);
    expect(page({ search: 'nothing like it' })).toEqual([]);
    expect(store.countMatching({ search: 'echo' })).toBe(3);
    expect(store.countMatching({ search: '%' })).toBe(1);
  });

  it('combines search and state, and counts with both', () => {
    add({ id: 'x1', command: 'deploy one' });
    add({ id: 'x2', command: 'deploy two' });
    add({ id: 'y', command: 'test' });
    store.cancel('x1', T0);
    expect(page({ search: 'deploy', state: 'pending' })).toEqual(['x2']);
    expect(store.countMatching({ search: 'deploy', state: 'canceled' })).toBe(1);
    expect(store.countMatching({ search: 'deploy' })).toBe(2);
  });

  it('sorts by every key both ways, ties in enqueue order in the same direction', () => {
    add({ id: 'p1', priority: 5, command: 'B', queue: 'q-b', name: 'beta' }, T0 + 1);
    add({ id: 'p2', priority: 1, command: 'a', queue: 'q-a', name: 'Alpha' }, T0 + 2);
    add({ id: 'p3', priority: 5, command: 'c', queue: 'q-c', name: 'gamma' }, T0 + 3);
    db.prepare(`UPDATE jobs SET updated_at = ? WHERE id = ?`).run(T0 + 100, 'p1');
    // p1 ran 10 ms and ended; p2 started and runs on; p3 never ran (canceled below).
    db.prepare(`UPDATE jobs SET started_at = ?, finished_at = ? WHERE id = ?`).run(T0 + 10, T0 + 20, 'p1');
    db.prepare(`UPDATE jobs SET started_at = ? WHERE id = ?`).run(T0 + 30, 'p2');
    db.prepare(`UPDATE jobs SET attempts = 2 WHERE id = ?`).run('p2');
    store.cancel('p3', T0 + 50);
    const expected: Record<ListSort, string[]> = {
      created: ['p3', 'p2', 'p1'],
      updated: ['p1', 'p3', 'p2'],
      priority: ['p3', 'p1', 'p2'],
      attempts: ['p2', 'p3', 'p1'],
      state: ['p2', 'p1', 'p3'],
      command: ['p3', 'p1', 'p2'],
      queue: ['p3', 'p1', 'p2'],
      name: ['p3', 'p1', 'p2'],
      // Missing times sort lowest: last in a descending order (ties in enqueue order, newest first).
      started: ['p2', 'p1', 'p3'],
      finished: ['p3', 'p1', 'p2'],
      duration: ['p1', 'p3', 'p2'],
    };
    for (const [sort, desc] of Object.entries(expected) as Array<[ListSort, string[]]>) {
      expect(page({ sort }), `${sort} desc`).toEqual(desc);
    }
    expect(page({ sort: 'priority', order: 'asc' })).toEqual(['p2', 'p1', 'p3']);
    expect(page({ sort: 'created', order: 'asc' })).toEqual(['p1', 'p2', 'p3']);
    expect(page({ sort: 'command', order: 'asc' })).toEqual(['p2', 'p1', 'p3']);
  });

  it('filters by due or not (scheduled) and by created and finished bounds', () => {
    const later = Date.now() + 3_600_000;
    add({ id: 'd1', run_at: later }, T0 + 1);
    add({ id: 'd2' }, T0 + 2);
    db.prepare(`UPDATE jobs SET state = 'completed', finished_at = ? WHERE id = ?`).run(T0 + 40, 'd2');
    expect(store.matchingIds({ scheduled: true }, 10)).toEqual(['d1']);
    expect(store.matchingIds({ scheduled: false }, 10)).toEqual(['d2']);
    expect(store.countMatching({ scheduled: true })).toBe(1);
    expect(store.matchingIds({ createdAfter: T0 + 2 }, 10)).toEqual(['d2']);
    expect(store.matchingIds({ createdBefore: T0 + 2 }, 10)).toEqual(['d1']);
    expect(store.matchingIds({ finishedAfter: T0 + 40, finishedBefore: T0 + 41 }, 10)).toEqual(['d2']);
    expect(store.matchingIds({ finishedBefore: T0 + 40 }, 10)).toEqual([]);
    expect(store.matchingIds({}, 1)).toEqual(['d1']);
  });

  it('pages with offset and limit without gaps or repeats', () => {
    for (let i = 0; i < 23; i++) add({ id: `j${String(i).padStart(2, '0')}`, priority: i % 3 });
    for (const sort of ['created', 'priority', 'updated'] as ListSort[]) {
      const whole = page({ sort });
      const paged: string[] = [];
      for (let offset = 0; offset < 30; offset += 5) paged.push(...page({ sort, offset, limit: 5 }));
      expect(paged).toEqual(whole);
      expect(new Set(paged).size).toBe(23);
    }
    expect(page({ offset: 100 })).toEqual([]);
  });
});

describe('stats reads', () => {
  const MIN = 60_000;
  /** A finished attempt of job `id` with the given outcome and finish time. */
  function attempt(id: string, number: number, outcome: string, finishedAt: number | null): void {
    db.prepare(`INSERT INTO attempts (job_id, number, started_at, finished_at, outcome, exit_code, error) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(
      id, number, (finishedAt ?? T0) - 1000, finishedAt, outcome, outcome === 'completed' ? 0 : 1, outcome === 'completed' ? null : `${outcome} run`,
    );
  }

  it('lists the newest failed runs with their jobs, newest first', () => {
    add({ id: 'a', name: 'alpha', command: 'cmd a' });
    add({ id: 'b', command: 'cmd b' });
    attempt('a', 1, 'failed', T0 + 1);
    attempt('a', 2, 'completed', T0 + 5);
    attempt('b', 1, 'timed_out', T0 + 3);
    attempt('b', 2, 'canceled', T0 + 4);
    for (let i = 0; i < 12; i++) attempt('b', 3 + i, 'crashed', T0 - 100 + i);
    const failures = store.recentFailures(10);
    expect(failures).toHaveLength(10);
    expect(failures[0]).toEqual({ job_id: 'b', name: null, command: 'cmd b', state: 'pending', attempt: 1, finished_at: T0 + 3, outcome: 'timed_out', exit_code: 1, error: 'timed_out run', last_line: null });
    expect(failures[1]).toMatchObject({ job_id: 'a', name: 'alpha', attempt: 1, outcome: 'failed' });
    expect(failures.slice(2).map((f) => f.attempt)).toEqual([14, 13, 12, 11, 10, 9, 8, 7]);
  });

  it('reads through the indexes of migration 0004 (attempts_finished: dropped by 0013, throughput is in run_minutes)', () => {
    const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'attempts_finished'`).get()).toBeUndefined();
    expect(plan(`SELECT * FROM attempts WHERE outcome IN ('failed','timed_out','crashed','interrupted') ORDER BY finished_at DESC LIMIT 10`)).toContain('attempts_failed');
    expect(plan(`SELECT seq FROM jobs ORDER BY updated_at DESC, seq DESC LIMIT 50`)).toContain('jobs_updated');
  });
});

describe('state counters with the dashboard transitions', () => {
  it('stay equal to a full count through retries, removals and purges', () => {
    const counted = () => {
      const out: Record<string, number> = { pending: 0, processing: 0, completed: 0, failed: 0, dead: 0, canceled: 0 };
      for (const r of db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as Array<{ state: string; n: number }>) out[r.state] = r.n;
      return out;
    };
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let step = 0; step < 300; step++) {
      const now = T0 + step;
      const roll = random();
      const pick = (states: string) => db.prepare(`SELECT id FROM jobs WHERE state IN (${states}) ORDER BY random() LIMIT 1`).get() as { id: string } | undefined;
      if (roll < 0.3) add({ max_retries: Math.floor(random() * 2) }, now);
      else if (roll < 0.5) {
        const c = store.claim(1, now + 1_000_000);
        if (c) store.finish(c.job.id, c.attempt, random() < 0.5 ? COMPLETED : FAILED, now, noDelay);
      } else if (roll < 0.6) {
        const j = pick(`'pending','failed'`);
        if (j) store.cancel(j.id, now);
      } else if (roll < 0.75) {
        const j = pick(`'failed','dead','canceled','completed'`);
        if (j) store.retryJob(j.id, now);
      } else if (roll < 0.9) {
        const j = pick(`'completed','dead','canceled'`);
        if (j) store.remove([j.id]);
      } else if (roll < 0.95) store.purgeDead();
      else {
        const j = pick(`'dead'`);
        if (j) store.retryDeadMany([j.id], now);
      }
      expect(store.counts()).toEqual(counted());
    }
  });
});
