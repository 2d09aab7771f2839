import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobState } from '../../protocol/index.js';
import { Settings } from '../../electron/engine/config/settings.js';
import type { EngineContext } from '../../electron/engine/context.js';
import { JobLogs, type RunningLog } from '../../electron/engine/logs/job-logs.js';
import { Retention } from '../../electron/engine/retention.js';
import { enqueue } from '../../electron/engine/rpc/handlers/enqueue.js';
import { jobsClean } from '../../electron/engine/rpc/handlers/jobs-clean.js';
import type { StoreApi } from '../../electron/engine/store/api.js';
import { openDatabase } from '../../electron/engine/store/open.js';
import { sqliteStore } from '../../electron/engine/store/sqlite/index.js';
import { logPathFor } from '../../electron/engine/store/rows.js';
import { CLEAN_BATCH } from '../../electron/engine/store/transitions/clean.js';
import { queueErrorOfAsync } from '../helpers/queue-error.js';

const DAY = 86_400_000;

let dir: string;
let logsDir: string;
let db: Database.Database;
let store: StoreApi;
let settings: Settings;
let runs: RunningLog[];
let logged: string[];
let stopping: boolean;
let changedMany: () => void;
let ctx: EngineContext;
const path = (id: string) => logPathFor(logsDir, id);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qctl-clean-'));
  logsDir = join(dir, 'logs');
  mkdirSync(logsDir);
  db = openDatabase(join(dir, 'queue.db'));
  store = sqliteStore(db);
  logged = [];
  settings = await Settings.load(store, (m) => logged.push(m));
  runs = [];
  stopping = false;
  changedMany = () => undefined;
  const jobLogs = new JobLogs({ dir: logsDir, running: () => runs, log: (m) => logged.push(m) });
  ctx = {
    store,
    settings,
    jobLogs,
    paths: { logs: logsDir },
    pool: { running: () => runs },
    changed: () => undefined,
    changedMany: () => changedMany(),
    stopping: () => stopping,
    log: (m: string) => logged.push(m),
  } as unknown as EngineContext;
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Stores jobs directly (any state, any finish time), each with one run and a log file. */
function add(jobs: Array<[id: string, state: JobState, finishedAt: number | null]>): void {
  const insert = db.prepare(`INSERT INTO jobs (id, command, state, max_retries, run_at, created_at, updated_at, finished_at)
    VALUES (?, 'true', ?, 3, 0, 0, ?, ?)`);
  const attempt = db.prepare(`INSERT INTO attempts (job_id, number, started_at, finished_at, outcome) VALUES (?, 1, 0, ?, 'completed')`);
  db.transaction(() => {
    for (const [id, state, finishedAt] of jobs) {
      insert.run(id, state, finishedAt ?? 0, finishedAt);
      attempt.run(id, finishedAt);
    }
  })();
  for (const [id] of jobs) writeFileSync(path(id), `log of ${id}\n`);
}

const ids = (): string[] => db.prepare<[], { id: string }>(`SELECT id FROM jobs ORDER BY seq`).all().map((r) => r.id);
const attemptsOf = (): string[] => db.prepare<[], { job_id: string }>(`SELECT DISTINCT job_id FROM attempts ORDER BY id`).all().map((r) => r.job_id);
const withLogs = (): string[] => ids().filter((id) => existsSync(path(id)));

const failure = queueErrorOfAsync;

describe('jobs.clean', () => {
  it('by default deletes completed and canceled jobs with their runs and logs; dead and unfinished ones stay', async () => {
    const now = Date.now();
    add([
      ['c1', 'completed', now - 5], ['k1', 'canceled', now - 5], ['d1', 'dead', now - 5],
      ['p1', 'pending', null], ['r1', 'processing', null], ['f1', 'failed', now - 5], ['c2', 'completed', now - 1],
    ]);
    expect(await jobsClean(ctx, { dry_run: true })).toMatchObject({ count: 3 });
    expect(ids()).toHaveLength(7);
    expect(await jobsClean(ctx, {})).toMatchObject({ count: 3 });
    expect(ids()).toEqual(['d1', 'p1', 'r1', 'f1']);
    expect(attemptsOf()).toEqual(['d1', 'p1', 'r1', 'f1']);
    for (const id of ['c1', 'k1', 'c2']) expect(existsSync(path(id))).toBe(false);
    expect(withLogs()).toEqual(['d1', 'p1', 'r1', 'f1']);
    expect(await store.counts()).toMatchObject({ completed: 0, canceled: 0, dead: 1, pending: 1, processing: 1, failed: 1 });
    expect(await jobsClean(ctx, {})).toMatchObject({ count: 0 });
  });

  it('deletes dead jobs only when named; states may be combined', async () => {
    const now = Date.now();
    add([['c1', 'completed', now], ['k1', 'canceled', now], ['d1', 'dead', now], ['d2', 'dead', now]]);
    expect(await jobsClean(ctx, { states: ['dead'] })).toMatchObject({ count: 2 });
    expect(ids()).toEqual(['c1', 'k1']);
    expect(await jobsClean(ctx, { states: ['canceled', 'canceled'] })).toMatchObject({ count: 1 });
    expect(ids()).toEqual(['c1']);
  });

  it('older_than_ms compares finished_at: a canceled job that never ran ages from when it was canceled', async () => {
    const now = Date.now();
    add([
      ['old-done', 'completed', now - 10 * DAY], ['new-done', 'completed', now - 1 * DAY],
      ['old-dead', 'dead', now - 10 * DAY], ['new-dead', 'dead', now - 1 * DAY],
    ]);
    // A job enqueued 10 days ago (created_at), canceled just now before it ever ran.
    await enqueue(ctx, { job: { id: 'late-cancel', command: 'true' } });
    db.prepare(`UPDATE jobs SET created_at = ?, updated_at = ?, run_at = ? WHERE id = 'late-cancel'`).run(now - 10 * DAY, now - 10 * DAY, now - 10 * DAY);
    expect((await store.cancel('late-cancel', now - 1))?.row.finished_at).toBe(now - 1);
    const week = 7 * DAY;
    expect(await jobsClean(ctx, { older_than_ms: week, states: ['completed', 'dead', 'canceled'], dry_run: true })).toMatchObject({ count: 2 });
    expect(await jobsClean(ctx, { older_than_ms: week })).toMatchObject({ count: 1 });
    expect(ids()).toEqual(['new-done', 'old-dead', 'new-dead', 'late-cancel']);
    expect(await jobsClean(ctx, { older_than_ms: week, states: ['dead'] })).toMatchObject({ count: 1 });
    expect(ids()).toEqual(['new-done', 'new-dead', 'late-cancel']);
    expect(await jobsClean(ctx, { older_than_ms: 0, states: ['completed', 'dead', 'canceled'] })).toMatchObject({ count: 3 });
  });

  it('never deletes a job whose run the pool still has (a canceled one being killed), and does not count it', async () => {
    const now = Date.now();
    add([['dying', 'canceled', now], ['gone', 'canceled', now]]);
    runs = [{ jobId: 'dying', logMaxBytes: 4096, logStart: 0 }];
    expect(await jobsClean(ctx, { dry_run: true })).toMatchObject({ count: 1 });
    expect(await jobsClean(ctx, { older_than_ms: 0, dry_run: true })).toMatchObject({ count: 1 });
    expect(await jobsClean(ctx, {})).toMatchObject({ count: 1 });
    expect(ids()).toEqual(['dying']);
    expect(existsSync(path('dying'))).toBe(true);
    runs = [];
    expect(await jobsClean(ctx, {})).toMatchObject({ count: 1 });
    expect(ids()).toEqual([]);
  });

  it('deletes in batches (CLEAN_BATCH), one transaction each, letting the event loop run between them; jobs stored meanwhile stay', async () => {
    const now = Date.now();
    add(Array.from({ length: 2 * CLEAN_BATCH + 1 }, (_, i) => [`j${i}`, 'completed', now - 1000] as [string, JobState, number]));
    const late = `j${CLEAN_BATCH - 1}`; // still queued for deletion when the first batch is announced
    let batches = 0;
    let turns = 0;
    const tick = setInterval(() => turns++, 0);
    changedMany = () => {
      batches++;
      // A job that completes while the clean runs, and an id of a deleted job enqueued again: both outlive it.
      if (batches === 1) {
        add([['newcomer', 'completed', now - 2000]]);
        expect(existsSync(path(late))).toBe(true); // its deletion is queued, not done
        void enqueue(ctx, { job: { id: late, command: 'true' } });
        expect(existsSync(path(late))).toBe(false); // the old log went first, synchronously
        writeFileSync(path(late), 'the new job\n');
      }
    };
    try {
      expect(await jobsClean(ctx, {})).toMatchObject({ count: 2 * CLEAN_BATCH + 1 });
    } finally {
      clearInterval(tick);
    }
    expect(batches).toBe(3);
    expect(turns).toBeGreaterThanOrEqual(2);
    expect(ids()).toEqual(['newcomer', late]);
    expect(readFileSync(path(late), 'utf8')).toBe('the new job\n');
    expect(await store.counts()).toMatchObject({ completed: 1, pending: 1 });
  });

  it('a stop that begins during a clean ends it between batches, saying how many were deleted', async () => {
    add(Array.from({ length: CLEAN_BATCH + 500 }, (_, i) => [`j${i}`, 'completed', 1] as [string, JobState, number]));
    changedMany = () => (stopping = true);
    const err = await failure(() => jobsClean(ctx, {}));
    expect(err.code).toBe('SHUTTING_DOWN');
    expect(err.message).toMatch(new RegExp(`${CLEAN_BATCH} jobs were deleted, the rest were kept`));
    expect(err.details).toMatchObject({ count: CLEAN_BATCH });
    expect(ids()).toHaveLength(500);
    expect((await failure(() => jobsClean(ctx, {}))).message).toBe('the queue is stopping; nothing was deleted');
  });

  it('a storage fault after some batches says how many were deleted', async () => {
    add(Array.from({ length: CLEAN_BATCH + 500 }, (_, i) => [`j${i}`, 'completed', 1] as [string, JobState, number]));
    const real = store.cleanBatch;
    let calls = 0;
    store.cleanBatch = (async (...args: Parameters<typeof real>) => {
      if (calls++ === 1) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return real(...args);
    }) as typeof real;
    const err = await failure(() => jobsClean(ctx, {}));
    expect(err.code).toBe('STORAGE_ERROR');
    expect(err.message).toMatch(new RegExp(`SQLITE_FULL.*after ${CLEAN_BATCH} jobs were deleted; the rest were kept`));
    expect(err.details).toMatchObject({ count: CLEAN_BATCH });
  });

  it('refuses bad params with INVALID_ARGUMENT and deletes nothing', async () => {
    add([['c1', 'completed', 1]]);
    const cases: Array<[unknown, RegExp]> = [
      [{ states: ['pending'] }, /^pending jobs cannot be cleaned: only completed, dead and canceled jobs can \(cancel them first\)$/],
      [{ states: ['completed', 'processing'] }, /processing jobs cannot be cleaned/],
      [{ states: ['failed'] }, /failed jobs cannot be cleaned/],
      [{ states: ['bogus'] }, /unknown state "bogus"; clean takes completed, dead, canceled/],
      [{ states: [] }, /states must name at least one state/],
      [{ states: 'completed' }, /states must be an array/],
      [{ states: [7] }, /states\[0\] must be a string/],
      [{ older_than_ms: -1 }, /older_than_ms must be between 0 and/],
      [{ older_than_ms: 1.5 }, /older_than_ms must be a whole number/],
      [{ older_than_ms: '7d' }, /older_than_ms must be a whole number/],
      [{ dry_run: 'yes' }, /dry_run must be true or false/],
      ['params', /params must be an object/],
    ];
    for (const [params, message] of cases) {
      const err = await failure(() => jobsClean(ctx, params));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(err.message).toMatch(message);
    }
    expect(ids()).toEqual(['c1']);
  });
});

describe('retention', () => {
  const NOW = Date.UTC(2030, 0, 1);
  const retention = () => new Retention(ctx, { now: () => NOW, settleMs: 20, intervalMs: 60_000 });

  it('does nothing while both settings are 0', async () => {
    add([['c1', 'completed', NOW - 1000 * DAY]]);
    const r = retention();
    await r.run();
    r.stop();
    expect(ids()).toEqual(['c1']);
    expect(logged).toEqual([]);
  });

  it('deletes the per-minute run counts older than 8 days whatever the settings, and no job', async () => {
    const minute = (t: number): number => Math.floor(t / 60_000);
    const insert = db.prepare(`INSERT INTO run_minutes (minute, queue, completed) VALUES (?, 'default', 1)`);
    insert.run(minute(NOW - 8 * DAY - 60_000));
    insert.run(minute(NOW - 8 * DAY + 60_000));
    add([['c1', 'completed', NOW - 1000 * DAY]]);
    const r = retention();
    await r.run();
    r.stop();
    expect(db.prepare(`SELECT minute FROM run_minutes`).all()).toEqual([{ minute: minute(NOW - 8 * DAY + 60_000) }]);
    expect(ids()).toEqual(['c1']);
  });

  it('retention_days: deletes completed and canceled jobs older than that, with their logs; keeps dead and newer ones', async () => {
    add([
      ['old-done', 'completed', NOW - 31 * DAY], ['old-cancel', 'canceled', NOW - 40 * DAY], ['old-dead', 'dead', NOW - 40 * DAY],
      ['new-done', 'completed', NOW - 29 * DAY], ['new-cancel', 'canceled', NOW - DAY], ['waiting', 'failed', NOW - 40 * DAY],
    ]);
    await settings.set('retention_days', 30);
    const r = retention();
    await r.run();
    r.stop();
    expect(ids()).toEqual(['old-dead', 'new-done', 'new-cancel', 'waiting']);
    expect(withLogs()).toEqual(ids());
    expect(logged).toEqual(['retention: deleted 2 finished jobs older than 30 days']);
  });

  it('retention_max_jobs: keeps the newest finished jobs, deleting the oldest by finished_at then seq; dead ones neither count nor go', async () => {
    add([
      ['a', 'completed', NOW - 50], ['b', 'canceled', NOW - 60], ['c', 'completed', NOW - 50], ['d', 'completed', NOW - 10],
      ['dead', 'dead', NOW - 100], ['e', 'canceled', NOW - 5], ['f', 'completed', NOW - 40], ['g', 'completed', NOW - 1],
    ]);
    await settings.set('retention_max_jobs', 4);
    const r = retention();
    await r.run();
    r.stop();
    // Oldest first: b (-60), a (-50, seq 1), c (-50, seq 3); d, e, f and g are the newest four.
    expect(ids()).toEqual(['d', 'dead', 'e', 'f', 'g']);
    expect(withLogs()).toEqual(ids());
    expect(logged).toEqual(['retention: deleted 3 finished jobs beyond the limit of 4 jobs']);
  });

  it('both limits in one run, in batches; one log line', async () => {
    const oldJobs = CLEAN_BATCH + 400;
    const newJobs = CLEAN_BATCH + 300;
    add(Array.from({ length: oldJobs }, (_, i) => [`old${i}`, 'completed', NOW - 2 * DAY - i] as [string, JobState, number]));
    add(Array.from({ length: newJobs }, (_, i) => [`new${i}`, i % 2 ? 'completed' : 'canceled', NOW - i] as [string, JobState, number]));
    await settings.set('retention_days', 1.5);
    await settings.set('retention_max_jobs', 100);
    let batches = 0;
    changedMany = () => batches++;
    const r = retention();
    await r.run();
    r.stop();
    expect(await store.finishedCount()).toBe(100);
    expect(ids()).toEqual(Array.from({ length: 100 }, (_, i) => `new${i}`));
    expect(batches).toBe(2 + 2); // the old ones: a full batch and 400; then those beyond the limit: a full batch and 200
    expect(logged).toEqual([`retention: deleted ${oldJobs} finished jobs older than 1.5 days and ${newJobs - 100} beyond the limit of 100 jobs`]);
  });

  it('never deletes a job whose run the pool still has', async () => {
    add([['dying', 'canceled', NOW - 90 * DAY], ['done', 'completed', NOW - 90 * DAY]]);
    runs = [{ jobId: 'dying', logMaxBytes: 4096, logStart: 0 }];
    await settings.set('retention_days', 1);
    await settings.set('retention_max_jobs', 1);
    const r = retention();
    await r.run();
    r.stop();
    expect(ids()).toEqual(['dying']);
  });

  it('runs soon after a retention setting changes, then on its interval; not after stop', async () => {
    add(Array.from({ length: 12 }, (_, i) => [`j${i}`, 'completed', NOW - 100 + i] as [string, JobState, number]));
    const r = retention();
    await settings.set('retention_max_jobs', 5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ids()).toEqual(['j7', 'j8', 'j9', 'j10', 'j11']);
    expect(withLogs()).toEqual(ids());
    r.stop();
    await settings.set('retention_max_jobs', 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ids()).toHaveLength(5);
  });

  it('start runs it at once', async () => {
    add([['old', 'completed', NOW - 3 * DAY]]);
    await settings.set('retention_days', 2);
    const r = retention();
    r.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    r.stop();
    expect(ids()).toEqual([]);
  });

  it('never while the queue is stopping', async () => {
    add([['old', 'completed', NOW - 3 * DAY]]);
    await settings.set('retention_days', 2);
    stopping = true;
    const r = retention();
    await r.run();
    r.stop();
    expect(ids()).toEqual(['old']);
    expect(logged).toEqual([]);
  });

  it('a storage fault is logged, never thrown, and the next run tries again', async () => {
    add([['old', 'completed', NOW - 3 * DAY]]);
    await settings.set('retention_days', 2);
    const real = store.cleanBatch;
    store.cleanBatch = async () => {
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    };
    const r = retention();
    await expect(r.run()).resolves.toBeUndefined();
    expect(ids()).toEqual(['old']);
    expect(logged).toEqual(['retention: the database could not be written (SQLITE_FULL: database or disk is full); the next run tries again']);
    store.cleanBatch = real;
    await r.run();
    r.stop();
    expect(ids()).toEqual([]);
    expect(logged[1]).toBe('retention: deleted 1 finished job older than 2 days');
  });
});
