import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SchedulerStep, StoreApi } from '../../electron/engine/store/api.js';
import { openPostgresStore } from '../../electron/engine/store/postgres/index.js';
import { listen } from '../../electron/engine/store/postgres/notify.js';
import type { RunResult } from '../../electron/engine/store/transitions/finish.js';
import { describePostgres } from '../helpers/postgres.js';
import { newJob, openTempSqliteApi, type TempSqliteApi } from '../helpers/store.js';

/*
 * The store's semantics through StoreApi, the same cases on both adapters, so neither can drift from the
 * other: SQLite on a fresh file per test, PostgreSQL on one database per file emptied between tests.
 */

/** A store to test, empty, and a direct read of its jobs table to check the counters it answers. */
interface Adapter {
  store: StoreApi;
  /** How many jobs are in each (queue, state), counted from the rows. */
  countRows(): Promise<Array<{ queue: string; state: string; n: number }>>;
}

const ok: RunResult = { outcome: 'completed', exitCode: 0, signal: null, error: null };
const failed: RunResult = { outcome: 'failed', exitCode: 1, signal: null, error: 'exit 1' };
const delay = (n: number): number => 1000 * n;
const T = 1_800_000_000_000;

/** A scheduler step at `now`: nothing to write and no worker idle unless `over` says so; each run's marker names its job. */
function step(now: number, over: Partial<SchedulerStep> = {}): SchedulerStep {
  return { now, groups: [], results: [], retryDelay: delay, idleWorkers: [], held: [], begin: (id) => ({ logStart: 0, marker: `m-${id}` }), ...over };
}

/** Every case, on the store `open` answers before each test (`release` after it). */
function storeCases(open: () => Promise<Adapter>, release: () => Promise<void> = async () => {}): void {
  let a: Adapter;
  beforeEach(async () => {
    a = await open();
  });
  afterEach(release);

  it('enqueue → claim → completed, with the attempt closed', async () => {
    const job = await a.store.enqueue(newJob({ command: 'echo hi' }), T);
    expect(job).toMatchObject({ state: 'pending', run_at: T, created_at: T, notify: 0, attempts: 0 });
    const claimed = (await a.store.claim(1, T + 1, [], () => ({ logStart: 7, marker: 'm1' })))!;
    expect(claimed).toMatchObject({ attempt: 1, job: { id: job.id, state: 'processing', worker_id: 1, started_at: T + 1 } });
    expect(await a.store.claim(2, T + 1)).toBeNull();
    const done = await a.store.finish(job.id, 1, ok, T + 5, delay);
    expect(done).toMatchObject({ state: 'completed', exit_code: 0, finished_at: T + 5, worker_id: null });
    expect(await a.store.attempts(job.id)).toEqual([
      { number: 1, worker_id: 1, started_at: T + 1, finished_at: T + 5, outcome: 'completed', exit_code: 0, signal: null, error: null, log_start: 7, last_line: null },
    ]);
    expect(await a.store.lastFinishedAttempt(job.id)).toBe(1);
    // A second result for the same run changes nothing.
    expect(await a.store.finish(job.id, 1, failed, T + 6, delay)).toBeNull();
  });

  it('a failed run retries after the backoff, then goes dead; dlq.retry brings it back', async () => {
    const job = await a.store.enqueue(newJob({ max_retries: 1 }), T);
    await a.store.claim(1, T);
    const first = (await a.store.finish(job.id, 1, failed, T + 10, delay))!;
    expect(first).toMatchObject({ state: 'failed', attempts: 1, run_at: T + 10 + delay(1), last_error: 'exit 1' });
    expect(await a.store.claim(1, T + 11)).toBeNull();
    expect(await a.store.nextRunAt(T + 11)).toBe(T + 10 + delay(1));
    const again = (await a.store.claim(1, T + 10 + delay(1)))!;
    expect(again.attempt).toBe(2);
    const dead = (await a.store.finish(job.id, 2, failed, T + 2000, delay))!;
    expect(dead).toMatchObject({ state: 'dead', attempts: 2 });
    await expect(a.store.retryDead({ id: 'nope' }, T, false)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    const back = await a.store.retryDead({ id: job.id }, T + 3000, false);
    expect(back.rows).toMatchObject([{ id: job.id, state: 'pending', attempts: 0, run_at: T + 3000 }]);
    await expect(a.store.retryDead({ ids: [job.id] }, T + 3000, false)).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });

  it('cancel: pending and processing jobs, with their waiting children; not a finished one', async () => {
    const parent = await a.store.enqueue(newJob(), T);
    const child = await a.store.enqueue(newJob({ after: [parent.id] }), T);
    expect(child.waiting_on).toBe(1);
    await a.store.claim(1, T);
    const done = (await a.store.cancel(parent.id, T + 1))!;
    expect(done.row).toMatchObject({ state: 'canceled', last_error: 'canceled by the user' });
    expect(done.dependents).toMatchObject([{ id: child.id, state: 'canceled', canceled_by: parent.id }]);
    expect((await a.store.attempts(parent.id))[0]!.outcome).toBe('canceled');
    expect(await a.store.cancel(parent.id, T + 2)).toBeNull();
    const retried = (await a.store.retryJob(parent.id, T + 3, true))!;
    expect(retried.row.state).toBe('pending');
    expect(retried.restored.map((r) => [r.id, r.state, r.waiting_on])).toEqual([[child.id, 'pending', 1]]);
  });

  it('a child waits for its parent and is claimed only once the parent completed', async () => {
    const parent = await a.store.enqueue(newJob({ priority: -1 }), T);
    const child = await a.store.enqueue(newJob({ after: [parent.id], priority: 5 }), T);
    expect((await a.store.claim(1, T))!.job.id).toBe(parent.id);
    expect(await a.store.claim(2, T)).toBeNull();
    const step = await a.store.step({ now: T + 1, groups: [], results: [{ jobId: parent.id, attempt: 1, result: ok }], retryDelay: delay, idleWorkers: [1], held: [], begin: () => ({ logStart: 0, marker: 'x' }) });
    expect(step.changed.map((r) => [r.id, r.state])).toEqual([
      [parent.id, 'completed'],
      [child.id, 'pending'],
      [child.id, 'processing'],
    ]);
    expect(step.claims.map((c) => c.claimed.job.id)).toEqual([child.id]);
  });

  it('claims honour priority, then age, run_at, pause_all, a paused queue and a parallel limit', async () => {
    const low = await a.store.enqueue(newJob({ priority: 0 }), T);
    const later = await a.store.enqueue(newJob({ priority: 9, run_at: T + 60_000 }), T);
    const high = await a.store.enqueue(newJob({ priority: 5 }), T);
    const low2 = await a.store.enqueue(newJob({ priority: 0 }), T);
    const gpu1 = await a.store.enqueue(newJob({ queue: 'gpu', priority: 10 }), T);
    const gpu2 = await a.store.enqueue(newJob({ queue: 'gpu', priority: 10 }), T);
    await a.store.setPaused(true, T);
    expect(await a.store.claim(1, T)).toBeNull();
    expect((await a.store.pauseState()).paused).toBe(true);
    await a.store.setPaused(false, T);
    await a.store.setQueuePaused('gpu', true, T);
    expect((await a.store.claim(1, T))!.job.id).toBe(high.id);
    await a.store.setQueuePaused('gpu', false, T);
    await a.store.configureQueue('gpu', { parallel: 1 });
    expect((await a.store.claim(2, T))!.job.id).toBe(gpu1.id);
    // gpu is full: the next best elsewhere, oldest first among equals.
    expect((await a.store.claim(3, T))!.job.id).toBe(low.id);
    expect((await a.store.claim(4, T))!.job.id).toBe(low2.id);
    expect(await a.store.claim(5, T)).toBeNull();
    // A run the pool still holds (its job canceled, its processes dying) keeps its place in the limit.
    await a.store.cancel(gpu1.id, T);
    expect(await a.store.claim(5, T, [gpu1.id])).toBeNull();
    expect((await a.store.claim(5, T, []))!.job.id).toBe(gpu2.id);
    expect((await a.store.claim(6, T + 60_000))!.job.id).toBe(later.id);
    const info = (await a.store.queueInfo('gpu'))!;
    expect(info).toMatchObject({ parallel: 1, paused: false, counts: { processing: 1, canceled: 1 } });
  });

  it('enqueueMany stores 10,000 jobs in one call, in order, all or none', async () => {
    const jobs = Array.from({ length: 10_000 }, (_, i) => newJob({ command: `echo ${i}`, queue: i % 2 ? 'odd' : 'default' }));
    const started = performance.now();
    const ids = await a.store.enqueueMany(jobs, T);
    const ms = performance.now() - started;
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids).size).toBe(10_000);
    expect((await a.store.counts()).pending).toBe(10_000);
    expect((await a.store.listJobs({ sort: 'created', order: 'asc', offset: 0, limit: 2 })).map((r) => r.command)).toEqual(['echo 0', 'echo 1']);
    console.log(`enqueueMany: 10,000 jobs in ${ms.toFixed(0)} ms (${Math.round(10_000 / (ms / 1000))} jobs/s)`);
    const taken = (await a.store.listJobs({ sort: 'created', order: 'asc', offset: 5, limit: 1 }))[0]!.id;
    await expect(a.store.enqueueMany([newJob(), newJob({ id: taken })], T)).rejects.toMatchObject({ code: 'DUPLICATE_ID' });
    expect((await a.store.counts()).pending).toBe(10_000);
  });

  it('enqueueMany refuses an id chosen twice in one batch (DUPLICATE_ID) and stores none of it', async () => {
    const batch = [newJob({ id: 'twice' }), newJob(), newJob({ id: 'twice' })];
    await expect(a.store.enqueueMany(batch, T)).rejects.toMatchObject({ code: 'DUPLICATE_ID', details: { id: 'twice' } });
    expect((await a.store.counts()).pending).toBe(0);
  });

  it('the counters agree with the rows after a random run of transitions', async () => {
    let seed = 17;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const queues = ['default', 'a', 'b'];
    let now = T;
    const running: Array<{ id: string; attempt: number }> = [];
    for (let i = 0; i < 300; i++) {
      now += 10;
      const roll = random(10);
      if (roll < 4) await a.store.enqueue(newJob({ queue: queues[random(3)]!, max_retries: random(2) }), now);
      else if (roll < 7) {
        const c = await a.store.claim(random(4), now + 100_000);
        if (c) running.push({ id: c.job.id, attempt: c.attempt });
      } else if (roll < 9 && running.length > 0) {
        const run = running.splice(random(running.length), 1)[0]!;
        await a.store.finish(run.id, run.attempt, random(2) ? ok : failed, now, () => 0);
      } else {
        const ids = await a.store.matchingIds({ state: 'pending' }, 5);
        if (ids.length > 0) await a.store.cancel(ids[random(ids.length)]!, now);
      }
    }
    const rows = await a.countRows();
    const infos = await a.store.queueInfos();
    const fromCounters = infos.flatMap((q) => Object.entries(q.counts).filter(([, n]) => n > 0).map(([state, n]) => ({ queue: q.name, state, n })));
    const order = (x: { queue: string; state: string }, y: { queue: string; state: string }) => (x.queue + x.state < y.queue + y.state ? -1 : 1);
    expect(fromCounters.sort(order)).toEqual(rows.sort(order));
    const total = Object.values(await a.store.counts()).reduce((s, n) => s + n, 0);
    expect(total).toBe(rows.reduce((s, r) => s + r.n, 0));
  });

  it('config, schedules and stats round-trip', async () => {
    await a.store.setConfig('max_retries', '5');
    await a.store.setConfig('max_retries', '6');
    expect(await a.store.configEntries()).toEqual([{ key: 'max_retries', value: '6' }]);
    const added = await a.store.addSchedule({ cron: '* * * * *', tz: null, spec: '{"command":"true","queue":"cron","priority":0}', queue: 'cron', overlap: 'skip', next_at: T + 60_000 }, T);
    expect(added).toMatchObject({ created: true, queueCreated: true, row: { next_at: T + 60_000, paused_at: null, skipped: 0 } });
    const firing = { id: added.row.id, expected: T + 60_000, slot: T + 60_000, next: T + 120_000, job: newJob({ queue: 'cron' }) };
    const fired = await a.store.fireSchedule(firing, T + 60_000);
    expect(fired.outcome).toBe('fired');
    expect(await a.store.fireSchedule(firing, T + 60_000)).toEqual({ outcome: 'stale' });
    const overlap = await a.store.fireSchedule({ ...firing, expected: T + 120_000, slot: T + 120_000, next: T + 180_000 }, T + 120_000);
    expect(overlap.outcome).toBe('overlap');
    expect((await a.store.getSchedule(added.row.id))!.skipped).toBe(1);
    const job = fired.outcome === 'fired' ? fired.job : null;
    await a.store.claim(1, T + 200_000);
    await a.store.finish(job!.id, 1, failed, T + 200_000, delay);
    expect(await a.store.recentFailures(5)).toMatchObject([{ job_id: job!.id, attempt: 1, outcome: 'failed' }]);
    const minute = Math.floor((T + 200_000) / 60_000);
    expect(await a.store.runsPerBucket({ first: minute, end: minute + 1, size: 1 }, null)).toEqual([{ bucket: 0, completed: 0, failed: 1, dead: 1, canceled: 0 }]);
  });

  it('step: process groups, results and claims in one call; claims stop at the first worker with nothing due', async () => {
    const j1 = await a.store.enqueue(newJob(), T);
    const j2 = await a.store.enqueue(newJob(), T);
    const first = await a.store.step(step(T + 1, { idleWorkers: [1, 2, 3] }));
    expect(first.claims.map((c) => [c.workerId, c.claimed.job.id, c.claimed.beginning?.marker])).toEqual([
      [1, j1.id, `m-${j1.id}`],
      [2, j2.id, `m-${j2.id}`],
    ]);
    expect(first.changed.map((r) => [r.id, r.state])).toEqual([
      [j1.id, 'processing'],
      [j2.id, 'processing'],
    ]);
    const j3 = await a.store.enqueue(newJob(), T + 2);
    const second = await a.store.step(
      step(T + 3, { groups: [{ jobId: j1.id, attempt: 1, pgid: 4242, identity: 'boot:1' }], results: [{ jobId: j2.id, attempt: 1, result: ok }], idleWorkers: [2] }),
    );
    expect(second.changed.map((r) => [r.id, r.state])).toEqual([
      [j2.id, 'completed'],
      [j3.id, 'processing'],
    ]);
    expect(second.claims.map((c) => [c.workerId, c.claimed.job.id])).toEqual([[2, j3.id]]);
    const { orphanRuns } = await a.store.recover(T + 4, delay);
    expect(orphanRuns).toHaveLength(2);
    expect(orphanRuns).toEqual(
      expect.arrayContaining([
        { jobId: j1.id, attempt: 1, pgid: 4242, identity: 'boot:1', marker: `m-${j1.id}` },
        { jobId: j3.id, attempt: 1, pgid: null, identity: null, marker: `m-${j3.id}` },
      ]),
    );
  });

  it('step: pause_on_dead pauses the queue of a job that went dead before the same step claims', async () => {
    await a.store.configureQueue('fragile', { pause_on_dead: true });
    const f1 = await a.store.enqueue(newJob({ queue: 'fragile', priority: 1 }), T);
    await a.store.enqueue(newJob({ queue: 'fragile', priority: 1 }), T);
    const other = await a.store.enqueue(newJob(), T);
    expect((await a.store.step(step(T, { idleWorkers: [1] }))).claims[0]!.claimed.job.id).toBe(f1.id);
    const done = await a.store.step(step(T + 1, { results: [{ jobId: f1.id, attempt: 1, result: failed }], idleWorkers: [1, 2] }));
    expect(done.pausedQueues).toEqual([{ queue: 'fragile', jobId: f1.id }]);
    expect(done.claims.map((c) => c.claimed.job.id)).toEqual([other.id]);
    expect(await a.store.queueInfo('fragile')).toMatchObject({ paused: true, paused_reason: `job ${f1.id} went dead` });
  });

  it('retryJob: waiting children count the parent again; with dependents the jobs it canceled come back, or stay canceled naming another ended parent', async () => {
    const parent = await a.store.enqueue(newJob(), T);
    const child = await a.store.enqueue(newJob({ after: [parent.id] }), T);
    await a.store.step(step(T, { idleWorkers: [1] }));
    await a.store.step(step(T + 1, { results: [{ jobId: parent.id, attempt: 1, result: ok }] }));
    expect((await a.store.getJob(child.id))!.waiting_on).toBe(0);
    const again = (await a.store.retryJob(parent.id, T + 2, false))!;
    expect(again.row).toMatchObject({ id: parent.id, state: 'pending', attempts: 0 });
    expect(again.held.map((r) => [r.id, r.waiting_on])).toEqual([[child.id, 1]]);
    expect(await a.store.retryJob(parent.id, T + 3, false)).toBeNull();

    const p1 = await a.store.enqueue(newJob({ priority: -1 }), T);
    const p2 = await a.store.enqueue(newJob({ priority: -1 }), T);
    const both = await a.store.enqueue(newJob({ after: [p1.id, p2.id] }), T);
    const only = await a.store.enqueue(newJob({ after: [p1.id] }), T);
    expect((await a.store.cancel(p1.id, T + 4))!.dependents.map((r) => r.id)).toEqual([both.id, only.id]);
    await a.store.cancel(p2.id, T + 4);
    const back = (await a.store.retryJob(p1.id, T + 5, true))!;
    expect(back.restored.map((r) => [r.id, r.state, r.waiting_on])).toEqual([[only.id, 'pending', 1]]);
    expect(back.reblamed).toMatchObject([{ id: both.id, state: 'canceled', canceled_by: p2.id, last_error: `canceled: parent ${p2.id} was canceled` }]);
  });

  it('retryDead: several all or none; all leaves the jobs stuck behind a canceled parent; with dependents', async () => {
    const stuckParent = await a.store.enqueue(newJob({ priority: 9 }), T);
    const stuck = await a.store.enqueue(newJob({ after: [stuckParent.id] }), T);
    const d1 = await a.store.enqueue(newJob(), T);
    const d2 = await a.store.enqueue(newJob(), T);
    const alive = await a.store.enqueue(newJob({ run_at: T + 60_000 }), T);
    const up = await a.store.step(step(T, { idleWorkers: [1, 2, 3] }));
    expect(up.claims.map((c) => c.claimed.job.id)).toEqual([stuckParent.id, d1.id, d2.id]);
    await a.store.step(step(T + 1, { results: [{ jobId: stuckParent.id, attempt: 1, result: ok }], idleWorkers: [1] }));
    const ends = [stuck.id, d1.id, d2.id].map((jobId) => ({ jobId, attempt: 1, result: failed }));
    expect((await a.store.step(step(T + 2, { results: ends }))).changed.map((r) => r.state)).toEqual(['dead', 'dead', 'dead']);
    await a.store.retryJob(stuckParent.id, T + 3, false);
    await a.store.cancel(stuckParent.id, T + 3);

    await expect(a.store.retryDead({ ids: [d1.id, alive.id] }, T + 4, false)).rejects.toMatchObject({ code: 'INVALID_STATE', details: { id: alive.id } });
    await expect(a.store.retryDead({ ids: [d1.id, 'nope'] }, T + 4, false)).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    expect((await a.store.getJob(d1.id))!.state).toBe('dead');
    await expect(a.store.retryDead({ id: stuck.id }, T + 4, false)).rejects.toMatchObject({ code: 'INVALID_STATE', details: { parent: stuckParent.id } });
    const all = await a.store.retryDead({ all: true }, T + 4, false);
    expect(all.rows.map((r) => [r.id, r.state])).toEqual([
      [d1.id, 'pending'],
      [d2.id, 'pending'],
    ]);
    expect((await a.store.getJob(stuck.id))!.state).toBe('dead');

    const parent = await a.store.enqueue(newJob({ priority: 9 }), T + 5);
    const child = await a.store.enqueue(newJob({ after: [parent.id] }), T + 5);
    await a.store.step(step(T + 5, { idleWorkers: [1] }));
    await a.store.step(step(T + 6, { results: [{ jobId: parent.id, attempt: 1, result: failed }] }));
    expect((await a.store.getJob(child.id))!).toMatchObject({ state: 'canceled', canceled_by: parent.id });
    const back = await a.store.retryDead({ id: parent.id }, T + 7, true);
    expect(back.rows.map((r) => r.id)).toEqual([parent.id]);
    expect(back.dependents.map((r) => [r.id, r.state, r.waiting_on])).toEqual([[child.id, 'pending', 1]]);
  });

  it('bulk: cancel, retry and remove all or none; a count other than the confirmed one changes nothing', async () => {
    const parent = await a.store.enqueue(newJob(), T);
    const child = await a.store.enqueue(newJob({ after: [parent.id] }), T);
    const other = await a.store.enqueue(newJob(), T);
    const byFilter = { ids: null, filter: { state: 'pending' as const }, max: 10, stopping: new Set<string>(), withDependents: false, now: T + 1 };
    await expect(a.store.bulk({ ...byFilter, action: 'cancel', expected: 2 })).rejects.toMatchObject({ code: 'INVALID_STATE', details: { count: 3 } });
    await expect(a.store.bulk({ ...byFilter, action: 'cancel', max: 2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await a.store.counts()).pending).toBe(3);
    const canceled = await a.store.bulk({ ...byFilter, action: 'cancel', expected: 3 });
    expect(canceled).toMatchObject({ ids: [parent.id, child.id, other.id], dependents: 0, reblamed: false });
    // The child named and canceled with its parent is changed once.
    expect(canceled.changed.map((r) => [r.id, r.state, r.canceled_by])).toEqual([
      [parent.id, 'canceled', null],
      [child.id, 'canceled', parent.id],
      [other.id, 'canceled', null],
    ]);

    const fresh = await a.store.enqueue(newJob(), T + 2);
    const named = { filter: null, max: 10, stopping: new Set<string>(), withDependents: false, now: T + 3 };
    await expect(a.store.bulk({ ...named, action: 'remove', ids: [other.id, fresh.id] })).rejects.toMatchObject({ code: 'INVALID_STATE', details: { id: fresh.id } });
    await expect(a.store.bulk({ ...named, action: 'retry', ids: [other.id, fresh.id] })).rejects.toMatchObject({ code: 'INVALID_STATE', details: { id: fresh.id } });
    await expect(a.store.bulk({ ...named, action: 'retry', ids: [other.id], stopping: new Set([other.id]) })).rejects.toThrow(/still being stopped/);
    expect((await a.store.getJob(other.id))!.state).toBe('canceled');

    const retried = await a.store.bulk({ ...named, action: 'retry', ids: [parent.id], withDependents: true });
    expect(retried).toMatchObject({ ids: [parent.id], dependents: 1, reblamed: false });
    expect(retried.changed.map((r) => [r.id, r.state])).toEqual([
      [parent.id, 'pending'],
      [child.id, 'pending'],
    ]);
    expect(await a.store.bulk({ ...named, action: 'remove', ids: [other.id] })).toMatchObject({ ids: [other.id], changed: [] });
    expect(await a.store.getJob(other.id)).toBeNull();
  });
}

describe('the SQLite store', () => {
  let t: TempSqliteApi;
  storeCases(
    async () => {
      t = openTempSqliteApi('queuectl-store-api-');
      return { store: t.store, countRows: async () => t.db.prepare(`SELECT queue, state, count(*) AS n FROM jobs GROUP BY 1, 2 ORDER BY 1, 2`).all() as never };
    },
    async () => t.remove(),
  );

  it('answers every call with a promise: errors are rejections, and the scheduler step commits without fsync', async () => {
    const { store, db } = t;
    expect(store).toMatchObject({ kind: 'sqlite', display: db.name });
    const missing = store.resolveId('nope');
    await expect(missing).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' });
    await expect(store.enqueue(newJob({ after: ['nope'] }), T)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const job = await store.enqueue(newJob(), T);
    let syncDuringStep: unknown;
    const begin = (id: string) => ((syncDuringStep = db.pragma('synchronous', { simple: true })), { logStart: 0, marker: id });
    await store.step(step(T, { idleWorkers: [1], begin }));
    expect(syncDuringStep).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect((await store.getJob(job.id))!.state).toBe('processing');
    let heard = false;
    const stop = await store.onJobsChanged(() => (heard = true));
    await stop();
    expect(heard).toBe(false);
    await store.close();
    expect(db.open).toBe(false);
    await store.close();
  });
});

describePostgres('the PostgreSQL store', (url) => {
  let admin: pg.Client;
  let store: StoreApi;
  beforeAll(async () => {
    store = await openPostgresStore(url());
    admin = new pg.Client({ connectionString: url() });
    await admin.connect();
  });
  afterAll(async () => {
    await store?.close();
    await admin?.end();
  });

  storeCases(async () => {
    await admin.query(`TRUNCATE queuectl.jobs, queuectl.attempts, queuectl.job_deps, queuectl.state_deltas, queuectl.run_minutes,
      queuectl.schedules, queuectl.environments, queuectl.config CASCADE`);
    await admin.query(`DELETE FROM queuectl.queues WHERE name <> 'default'`);
    await admin.query(`UPDATE queuectl.queues SET paused = false, paused_at = NULL, paused_reason = NULL, parallel = NULL, pause_on_dead = false`);
    await admin.query(`UPDATE queuectl.pause_all SET paused = false, paused_at = NULL`);
    return {
      store,
      countRows: async () => (await admin.query(`SELECT queue, state, count(*)::int AS n FROM queuectl.jobs GROUP BY 1, 2 ORDER BY 1, 2`)).rows,
    };
  });

  it('a NOTIFY on queuectl_jobs reaches a listener when a job is enqueued', async () => {
    let heard = 0;
    let resolve!: () => void;
    const got = new Promise<void>((r) => (resolve = r));
    const stop = await listen(url(), 'queuectl_jobs', () => {
      heard++;
      resolve();
    });
    try {
      await store.enqueue(newJob(), Date.now());
      await got;
      expect(heard).toBeGreaterThanOrEqual(1);
    } finally {
      await stop();
    }
  });
});
