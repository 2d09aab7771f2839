import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStore } from '../../electron/engine/store/index.js';
import { MIGRATIONS } from '../../electron/engine/store/migrations/index.js';
import { openDatabase } from '../../electron/engine/store/open.js';
import type { Store } from '../../electron/engine/store/index.js';
import type { NewJob } from '../../electron/engine/store/transitions/enqueue.js';
import type { RunResult } from '../../electron/engine/store/transitions/finish.js';
import { newJob, useTempStore } from '../helpers/store.js';

/**
 * Throughput kept in run_minutes (migration 0013) as runs end, in the same transaction, and never changed
 * by deleting jobs; per-queue ready/scheduled counts and latency from the claim index.
 */
const MIN = 60_000;
const T0 = Math.floor(1_700_000_000_000 / MIN) * MIN;
const FAILED: RunResult = { outcome: 'failed', exitCode: 1, signal: null, error: 'exited with code 1' };
const COMPLETED: RunResult = { outcome: 'completed', exitCode: 0, signal: null, error: null };
const REQUEUED: RunResult = { outcome: 'requeued', exitCode: null, signal: null, error: 'stopped' };

let dir: string;
let db: Database.Database;
let store: Store;
useTempStore('qctl-runmin-', (t) => ({ dir, db, store } = t));

const add = (over: Partial<NewJob> = {}, now = T0) => store.enqueue(newJob(over), now);

/** Claims the best due job at `now` and ends its run with `result`. */
function run(result: RunResult, now: number, retryDelay = (): number => 0): string {
  const claimed = store.claim(1, now);
  if (!claimed) throw new Error('nothing to claim');
  store.finish(claimed.job.id, claimed.attempt, result, now, retryDelay);
  return claimed.job.id;
}

/** Every minute's counts over [T0 - 1 h, T0 + 1 h), one bucket per minute, keyed by minute offset from T0. */
function minutes(queue: string | null = null): Record<number, object> {
  const first = T0 / MIN - 60;
  const out: Record<number, object> = {};
  for (const b of store.runsPerBucket({ first, end: first + 120, size: 1 }, queue)) {
    const { bucket, ...counts } = b;
    out[bucket - 60] = counts;
  }
  return out;
}

describe('run_minutes', () => {
  it('counts each run as it ends, per minute and queue: completed, failed, dead, canceled; not requeued or never-run', () => {
    add({ id: 'ok' });
    run(COMPLETED, T0 + 1000);
    add({ id: 'retry', max_retries: 1, queue: 'gpu' });
    run(FAILED, T0 + 2000);
    run(FAILED, T0 + MIN + 5); // its second run: the last, so dead
    add({ id: 'requeued' });
    run(REQUEUED, T0 + MIN + 10);
    store.cancel('requeued', T0 + MIN + 20); // pending: no run ended
    add({ id: 'running', queue: 'gpu' });
    store.claim(1, T0 + 2 * MIN);
    store.cancel('running', T0 + 2 * MIN + 1);
    expect(minutes()).toEqual({
      0: { completed: 1, failed: 1, dead: 0, canceled: 0 },
      1: { completed: 0, failed: 1, dead: 1, canceled: 0 },
      2: { completed: 0, failed: 0, dead: 0, canceled: 1 },
    });
    expect(minutes('default')).toEqual({ 0: { completed: 1, failed: 0, dead: 0, canceled: 0 } });
    expect(minutes('nope')).toEqual({});
    // Buckets of 15 minutes sum them.
    expect(store.runsPerBucket({ first: T0 / MIN, end: T0 / MIN + 15, size: 15 }, null)).toEqual([
      { bucket: 0, completed: 1, failed: 2, dead: 1, canceled: 1 },
    ]);
  });

  it('start-up recovery counts an interrupted run like a failed one', () => {
    add({ id: 'x', max_retries: 2 });
    store.claim(1, T0);
    store.recover(T0 + 5, () => 1000);
    expect(minutes()).toEqual({ 0: { completed: 0, failed: 1, dead: 0, canceled: 0 } });
  });

  it('is not changed by purge, remove, clean or retention', () => {
    for (let i = 0; i < 3; i++) {
      add({ id: `c${i}` });
      run(COMPLETED, T0 + i);
      add({ id: `d${i}` });
      run(FAILED, T0 + i);
    }
    const before = minutes();
    expect(before).toEqual({ 0: { completed: 3, failed: 3, dead: 3, canceled: 0 } });
    expect(store.purgeDead()).toHaveLength(3);
    expect(store.remove(['c0'])).toEqual(['c0']);
    expect(store.cleanBatch({ state: 'completed', finishedBefore: null, maxSeq: store.lastSeq() }, [])).toHaveLength(2);
    expect(db.prepare(`SELECT count(*) AS n FROM jobs`).get()).toEqual({ n: 0 });
    expect(minutes()).toEqual(before);
  });

  it('pruning deletes only the minutes before the limit', () => {
    add({ id: 'old' }, T0 - 30 * MIN);
    run(COMPLETED, T0 - 30 * MIN);
    add({ id: 'new' });
    run(COMPLETED, T0);
    expect(store.pruneRunMinutes(T0 - 10 * MIN)).toBe(1);
    expect(minutes()).toEqual({ 0: { completed: 1, failed: 0, dead: 0, canceled: 0 } });
  });

  it('reads through its primary key, and the trigger fires only when a run ends', () => {
    const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    expect(plan(`SELECT SUM(completed) FROM run_minutes WHERE minute >= 1 AND minute < 61 AND queue = 'q'`)).toMatch(/SEARCH run_minutes USING PRIMARY KEY \(minute>\? AND minute<\?\)/);
    add({ id: 'w' });
    store.claim(1, T0);
    expect(db.prepare(`SELECT count(*) AS n FROM run_minutes`).get()).toEqual({ n: 0 });
  });
});

describe('queue readiness and latency', () => {
  it('splits waiting jobs into ready and scheduled, and ages the oldest ready one', () => {
    // gpu: a retry due in an hour (scheduled), a retry already due (ready since T0 - 30 s), a new job (ready).
    add({ id: 'retrying', queue: 'gpu', max_retries: 3 }, T0 - 3 * MIN);
    run(FAILED, T0 - 3 * MIN, () => 60 * MIN);
    add({ id: 'due-retry', queue: 'gpu', max_retries: 1 }, T0 - 2 * MIN);
    run(FAILED, T0 - 2 * MIN, () => 90_000);
    add({ id: 'gpu-new', queue: 'gpu' }, T0 - 10_000);
    // default: two ready, one delayed, one waiting on a parent.
    add({ id: 'old' }, T0 - 5 * MIN);
    add({ id: 'young' }, T0 - MIN);
    add({ id: 'later', run_at: T0 + 20 * MIN }, T0 - 10 * MIN);
    add({ id: 'child', after: ['old'] }, T0 - 10 * MIN);

    const [def, gpu] = store.queueInfos(T0);
    expect(def).toMatchObject({ name: 'default', ready: 2, scheduled: 2, oldest_ready_at: new Date(T0 - 5 * MIN).toISOString(), latency_ms: 5 * MIN });
    expect(def!.counts.pending).toBe(4);
    expect(gpu).toMatchObject({ name: 'gpu', ready: 2, scheduled: 1, oldest_ready_at: new Date(T0 - 30_000).toISOString(), latency_ms: 30_000 });
    expect(gpu!.counts).toMatchObject({ pending: 1, failed: 2 });
    expect(store.queueInfo('gpu', T0)).toEqual(gpu);
    // Before the retry fell due and the new job came: nothing ready, no age.
    expect(store.queueInfo('gpu', T0 - 31_000)).toMatchObject({ ready: 0, scheduled: 3, oldest_ready_at: null, latency_ms: 0 });
  });

  it('never reads the ready jobs one by one: only the future and blocked ones, through indexes', () => {
    const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    const waiting = `state IN ('pending','failed')`;
    expect(plan(`SELECT queue, COUNT(*) FROM jobs INDEXED BY jobs_waiting_run_at WHERE ${waiting} AND run_at > 1 AND waiting_on = 0 GROUP BY queue`))
      .toContain('SEARCH jobs USING INDEX jobs_waiting_run_at (run_at>?)');
    expect(plan(`SELECT queue, COUNT(*) FROM jobs INDEXED BY jobs_blocked WHERE ${waiting} AND waiting_on > 0 GROUP BY queue`)).toContain('jobs_blocked');
    expect(plan(`SELECT run_at FROM jobs INDEXED BY jobs_ready_age WHERE ${waiting} AND waiting_on = 0 AND queue = 'q' AND run_at <= 1 ORDER BY run_at LIMIT 1`))
      .toBe('SEARCH jobs USING INDEX jobs_ready_age (queue=? AND run_at<?)');
    // Jobs without parents never enter jobs_blocked; a waiting child does, until it leaves the waiting states.
    add({ id: 'p' });
    add({ id: 'c', after: ['p'] });
    const inBlocked = () => (db.prepare(`SELECT count(*) AS n FROM jobs INDEXED BY jobs_blocked WHERE ${waiting} AND waiting_on > 0`).get() as { n: number }).n;
    expect(inBlocked()).toBe(1);
    expect(store.queueInfo('default', T0)).toMatchObject({ ready: 1, scheduled: 1 });
    store.cancel('c', T0);
    expect(inBlocked()).toBe(0);
  });
});

describe('migration 0013 on a store from the previous version', () => {
  it('fills run_minutes from the stored runs of the last 8 days, a dead job\'s last failed run as dead', () => {
    const path = join(dir, 'v12.db');
    const v12 = new Database(path);
    MIGRATIONS.slice(0, 12).forEach((sql, i) => {
      v12.exec(sql);
      v12.pragma(`user_version = ${i + 1}`);
    });
    const now = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
    const job = v12.prepare(`INSERT INTO jobs (id, command, state, max_retries, run_at, created_at, updated_at, queue) VALUES (?, 'x', ?, 1, ?, ?, ?, ?)`);
    const attempt = v12.prepare(`INSERT INTO attempts (job_id, number, started_at, finished_at, outcome) VALUES (?, ?, ?, ?, ?)`);
    job.run('ok', 'completed', now, now, now, 'default');
    attempt.run('ok', 1, now, now + 1, 'completed');
    job.run('gone', 'dead', now, now, now, 'gpu');
    attempt.run('gone', 1, now, now + 2, 'failed');
    attempt.run('gone', 2, now, now + 3, 'timed_out');
    job.run('old', 'completed', now, now, now, 'default');
    attempt.run('old', 1, now - 9 * 86_400_000, now - 9 * 86_400_000, 'completed');
    v12.close();
    const upgraded = openDatabase(path);
    expect(upgraded.prepare(`SELECT minute, queue, completed, failed, dead, canceled FROM run_minutes ORDER BY queue`).all()).toEqual([
      { minute: now / MIN, queue: 'default', completed: 1, failed: 0, dead: 0, canceled: 0 },
      { minute: now / MIN, queue: 'gpu', completed: 0, failed: 1, dead: 1, canceled: 0 },
    ]);
    expect(createStore(upgraded).runsPerBucket({ first: now / MIN, end: now / MIN + 1, size: 1 }, null)).toEqual([
      { bucket: 0, completed: 1, failed: 2, dead: 1, canceled: 0 },
    ]);
    upgraded.close();
  });
});
