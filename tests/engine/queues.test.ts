import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { NewJob } from '../../electron/engine/store/transitions/enqueue.js';
import type { Store } from '../../electron/engine/store/index.js';
import { sqliteStore } from '../../electron/engine/store/sqlite/index.js';
import { newJob, useTempStore } from '../helpers/store.js';
import type { RunResult } from '../../electron/engine/store/transitions/finish.js';
import type { JobRow } from '../../electron/engine/store/rows.js';
import { Settings } from '../../electron/engine/config/settings.js';
import type { Pool } from '../../electron/engine/pool.js';
import { Scheduler } from '../../electron/engine/scheduler.js';

/**
 * Named queues in the store, against a real SQLite file: which job a claim takes when queues are paused or
 * at their limit, the per-queue pause and settings transitions, pause_on_dead, and the queue filter of list.
 */
const T0 = 1_700_000_000_000;
const FAILED: RunResult = { outcome: 'failed', exitCode: 1, signal: null, error: 'exit code 1' };
const COMPLETED: RunResult = { outcome: 'completed', exitCode: 0, signal: null, error: null };
const noDelay = (): number => 0;

let dir: string;
let db: Database.Database;
let store: Store;
useTempStore('qctl-queues-', (t) => ({ dir, db, store } = t));

const add = (over: Partial<NewJob> = {}, now = T0): JobRow => store.enqueue(newJob(over), now);

/** Claims until nothing is claimable; the ids in claim order. */
function claimAll(now = T0): string[] {
  const ids: string[] = [];
  for (let worker = 1; ; worker++) {
    const c = store.claim(worker, now);
    if (!c) return ids;
    ids.push(c.job.id);
  }
}

const queueRow = (name: string) => db.prepare(`SELECT * FROM queues WHERE name = ?`).get(name);

describe('claims across named queues', () => {
  it('a limited queue runs at most `parallel` jobs; the other queues fill the rest, best job first', () => {
    store.configureQueue('gpu', { parallel: 1 });
    add({ id: 'g1', queue: 'gpu', priority: 5 });
    add({ id: 'g2', queue: 'gpu', priority: 5 });
    add({ id: 'd1' });
    add({ id: 'd2', priority: 1 });
    add({ id: 'd3' });
    // g1 is the best job; g2 is as good but its queue is full; then default's by priority, then age.
    expect(claimAll()).toEqual(['g1', 'd2', 'd1', 'd3']);
    expect(store.getJob('g2')!.state).toBe('pending');

    expect(store.finish('g1', 1, COMPLETED, T0 + 10, noDelay)?.state).toBe('completed');
    expect(store.claim(9, T0 + 20)?.job.id).toBe('g2');
    expect(store.claim(10, T0 + 20)).toBeNull();
  });

  it('parallel 2 lets exactly two of its jobs run; lifting the limit (null) lets the rest go', () => {
    store.configureQueue('io', { parallel: 2 });
    for (let i = 0; i < 5; i++) add({ id: `io${i}`, queue: 'io' });
    expect(claimAll()).toEqual(['io0', 'io1']);
    store.configureQueue('io', { parallel: null });
    expect(claimAll()).toEqual(['io2', 'io3', 'io4']);
  });

  it('a paused queue is skipped, its running jobs stay; resuming makes its jobs claimable again', () => {
    add({ id: 'r', queue: 'gpu' });
    expect(claimAll()).toEqual(['r']);
    add({ id: 'held', queue: 'gpu', priority: 9 });
    add({ id: 'other' });
    expect(store.setQueuePaused('gpu', true, T0 + 1)).toEqual({ changed: true });
    expect(claimAll()).toEqual(['other']);
    expect(store.getJob('r')!.state).toBe('processing');
    expect(store.queueInfo('gpu')).toMatchObject({ paused: true, paused_since: new Date(T0 + 1).toISOString() });

    expect(store.setQueuePaused('gpu', false, T0 + 2)).toEqual({ changed: true });
    expect(store.queueInfo('gpu')).toMatchObject({ paused: false, paused_since: null });
    expect(claimAll()).toEqual(['held']);
  });

  it('a long line of jobs in a held queue does not hide the one job of an open queue', () => {
    store.configureQueue('bulk', { parallel: 1 });
    const insert = db.transaction(() => {
      for (let i = 0; i < 5000; i++) add({ id: `b${i}`, queue: 'bulk', priority: 100 });
    });
    insert();
    store.setQueuePaused('held', true, T0); // no such queue: nothing happens
    expect(store.queueInfo('held')).toBeNull();
    add({ id: 'paused-line', queue: 'held' });
    store.setQueuePaused('held', true, T0);
    add({ id: 'low', priority: -5 });
    // 4,999 better jobs wait in a full queue and one in a paused queue; the low default job still runs.
    expect(claimAll()).toEqual(['b0', 'low']);
    expect(store.counts()).toMatchObject({ pending: 5000, processing: 2 });
  });

  it('a run the pool still holds counts against its queue after its job was canceled, once, with no double count', () => {
    store.configureQueue('gpu', { parallel: 1 });
    add({ id: 'g1', queue: 'gpu' });
    add({ id: 'g2', queue: 'gpu' });
    expect(store.claim(1, T0)?.job.id).toBe('g1');
    expect(store.cancel('g1', T0 + 1)?.state).toBe('canceled');
    add({ id: 'd1' }, T0 + 1);
    // g1's processes are still being killed (worker 1 busy with it): gpu is full, default is not.
    expect(store.claim(2, T0 + 2, ['g1'])?.job.id).toBe('d1');
    expect(store.claim(3, T0 + 2, ['g1', 'd1'])).toBeNull();
    expect(store.getJob('g2')!.state).toBe('pending');
    // The run ended (the worker is idle again): g2 may start.
    expect(store.claim(1, T0 + 3, ['d1'])?.job.id).toBe('g2');

    // A processing job the pool holds is counted once: parallel 2 with one such job still admits a second.
    store.configureQueue('io', { parallel: 2 });
    add({ id: 'i1', queue: 'io' });
    add({ id: 'i2', queue: 'io' });
    add({ id: 'i3', queue: 'io' });
    expect(store.claim(4, T0 + 4, ['g2', 'd1'])?.job.id).toBe('i1');
    expect(store.claim(5, T0 + 4, ['g2', 'd1', 'i1'])?.job.id).toBe('i2');
    expect(store.claim(6, T0 + 4, ['g2', 'd1', 'i1', 'i2'])).toBeNull();
    // i1 canceled, its run still held: io stays full; an unknown id (a removed job) counts for nothing.
    store.cancel('i1', T0 + 5);
    expect(store.claim(6, T0 + 5, ['g2', 'd1', 'i1', 'i2', 'gone'])).toBeNull();
    expect(store.claim(6, T0 + 6, ['g2', 'd1', 'i2', 'gone'])?.job.id).toBe('i3');
  });

  it('the scheduler counts a canceled run its pool still holds: the next job of that queue waits for the worker to free', async () => {
    const api = sqliteStore(db);
    const settings = await Settings.load(api, () => {});
    store.configureQueue('gpu', { parallel: 1 });
    add({ id: 'g1', queue: 'gpu' });
    add({ id: 'g2', queue: 'gpu' });
    /** Two workers; a run holds its worker until the test ends it, as a dying process tree does. */
    const busy = new Map<number, string>();
    const launched: string[] = [];
    const pool = {
      idleWorkers: () => [1, 2].filter((w) => !busy.has(w)),
      running: () => [...busy.values()].map((jobId) => ({ jobId })),
      run: (worker: number, request: { jobId: string }) => {
        busy.set(worker, request.jobId);
        launched.push(request.jobId);
      },
    } as unknown as Pool;
    const scheduler = new Scheduler(api, pool, settings, dir, () => {}, () => {});
    /** A dispatch and the step it starts (the adapter answers at once; the step ends within this turn). */
    const dispatched = async (): Promise<void> => {
      scheduler.dispatch();
      await new Promise((resolve) => setImmediate(resolve));
    };
    await dispatched();
    expect(launched).toEqual(['g1']);
    store.cancel('g1', Date.now()); // what the cancel RPC commits before it wakes the scheduler
    await dispatched();
    expect(launched).toEqual(['g1']);
    expect(store.getJob('g2')!.state).toBe('pending');
    // The killed run ends: its worker is idle again and the pool asks for a dispatch.
    busy.delete(1);
    await dispatched();
    expect(launched).toEqual(['g1', 'g2']);
    scheduler.halt();
  });

  it('children still waiting for parents are not claimed in any queue', () => {
    store.configureQueue('gpu', { parallel: 3 });
    const child = add({ id: 'child', queue: 'gpu' });
    db.prepare(`UPDATE jobs SET waiting_on = 1 WHERE id = ?`).run(child.id);
    add({ id: 'free', queue: 'gpu' });
    expect(claimAll()).toEqual(['free']);
  });
});

describe('per-queue pause', () => {
  it('pausing twice keeps the first time; resuming a running queue changes nothing', () => {
    add({ queue: 'gpu' });
    expect(store.setQueuePaused('gpu', true, T0 + 5)).toEqual({ changed: true });
    expect(store.setQueuePaused('gpu', true, T0 + 9)).toEqual({ changed: false });
    expect(queueRow('gpu')).toMatchObject({ paused: 1, paused_at: T0 + 5 });
    expect(store.setQueuePaused('gpu', false, T0 + 10)).toEqual({ changed: true });
    expect(store.setQueuePaused('gpu', false, T0 + 11)).toEqual({ changed: false });
    expect(queueRow('gpu')).toMatchObject({ paused: 0, paused_at: null });
  });

  it('an unknown queue is answered null and not created', () => {
    expect(store.setQueuePaused('nope', true, T0)).toBeNull();
    expect(store.setQueuePaused('nope', false, T0)).toBeNull();
    expect(queueRow('nope')).toBeUndefined();
    expect(store.queueInfos().map((q) => q.name)).toEqual(['default']);
  });

  it('the switch over every queue is separate: pausing one queue leaves pause_all alone', () => {
    add({ queue: 'gpu' });
    store.setQueuePaused('gpu', true, T0);
    expect(store.pauseState()).toEqual({ paused: false, since: null });
    store.setPaused(true, T0 + 1);
    store.setPaused(false, T0 + 2);
    expect(store.queueInfo('gpu')!.paused).toBe(true);
  });
});

describe('queue settings (queue.set)', () => {
  it('creates a queue with the given setting and defaults for the rest; a second call is not a creation', () => {
    expect(store.configureQueue('gpu', { parallel: 1 })).toEqual({ created: true, changed: true });
    expect(store.queueInfo('gpu')).toMatchObject({ name: 'gpu', paused: false, parallel: 1, pause_on_dead: false });
    expect(store.configureQueue('gpu', { pause_on_dead: true })).toEqual({ created: false, changed: true });
    expect(store.queueInfo('gpu')).toMatchObject({ parallel: 1, pause_on_dead: true });
    expect(store.configureQueue('gpu', { parallel: 1, pause_on_dead: true })).toEqual({ created: false, changed: false });
    expect(store.configureQueue('gpu', { parallel: null })).toEqual({ created: false, changed: true });
    expect(store.queueInfo('gpu')).toMatchObject({ parallel: null, pause_on_dead: true });
    expect(store.configureQueue('default', { pause_on_dead: false })).toEqual({ created: false, changed: false });
  });

  it('keeps a paused queue paused, with its time, when its settings change', () => {
    add({ queue: 'gpu' });
    store.setQueuePaused('gpu', true, T0 + 3);
    store.configureQueue('gpu', { parallel: 4 });
    expect(queueRow('gpu')).toMatchObject({ paused: 1, paused_at: T0 + 3, parallel: 4 });
  });

  it('lists queues default first, then by name, each with its own counts', () => {
    add({ queue: 'zeta' });
    add({ queue: 'alpha' });
    add({ queue: 'alpha' });
    add();
    store.configureQueue('empty', { parallel: 2 });
    const infos = store.queueInfos();
    expect(infos.map((q) => [q.name, q.counts.pending])).toEqual([
      ['default', 1],
      ['alpha', 2],
      ['empty', 0],
      ['zeta', 1],
    ]);
  });
});

describe('pause_on_dead', () => {
  function dieIn(queue: string, id: string): JobRow {
    add({ id, queue });
    const c = store.claim(1, T0)!;
    expect(c.job.id).toBe(id);
    return store.finish(id, c.attempt, FAILED, T0 + 1, noDelay)!;
  }

  it('pauses the queue of a job that went dead, once, only if the queue asked for it', () => {
    store.configureQueue('gpu', { pause_on_dead: true });
    const dead = dieIn('gpu', 'g');
    expect(dead.state).toBe('dead');
    expect(store.pauseOnDead('gpu', T0 + 2)).toBe(true);
    expect(store.pauseOnDead('gpu', T0 + 3)).toBe(false);
    expect(queueRow('gpu')).toMatchObject({ paused: 1, paused_at: T0 + 2 });

    dieIn('cpu', 'c');
    expect(store.pauseOnDead('cpu', T0 + 4)).toBe(false);
    expect(store.queueInfo('cpu')!.paused).toBe(false);
  });

  it('jobs that start-up recovery made dead pause their queues; failed ones with retries left do not', () => {
    store.configureQueue('gpu', { pause_on_dead: true });
    store.configureQueue('io', { pause_on_dead: true });
    add({ id: 'last', queue: 'gpu', max_retries: 0 });
    add({ id: 'again', queue: 'io', max_retries: 3 });
    expect(claimAll().sort()).toEqual(['again', 'last']);
    const { jobs } = store.recover(T0 + 10, noDelay);
    expect(store.pauseQueuesOnDead(jobs, T0 + 11)).toEqual([{ queue: 'gpu', jobId: 'last' }]);
    expect(store.queueInfo('gpu')).toMatchObject({ paused: true, paused_since: new Date(T0 + 11).toISOString() });
    expect(store.queueInfo('io')!.paused).toBe(false);
  });
});

describe('list by queue', () => {
  it('pages and counts only the jobs of the named queue', () => {
    add({ id: 'a1', queue: 'a' });
    add({ id: 'b1', queue: 'b', command: 'echo x' });
    add({ id: 'a2', queue: 'a', command: 'echo x' });
    const page = store.listJobs({ queue: 'a', sort: 'created', order: 'asc', offset: 0, limit: 50 });
    expect(page.map((j) => j.id)).toEqual(['a1', 'a2']);
    expect(store.countMatching({ queue: 'a', search: 'echo' })).toBe(1);
    expect(store.listJobs({ queue: 'b', state: 'completed', sort: 'created', order: 'asc', offset: 0, limit: 50 })).toEqual([]);
  });
});
