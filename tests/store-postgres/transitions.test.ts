import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StoreApi } from '../../electron/engine/store/api.js';
import { openPostgresStore } from '../../electron/engine/store/postgres/index.js';
import { listen } from '../../electron/engine/store/postgres/notify.js';
import type { RunResult } from '../../electron/engine/store/transitions/finish.js';
import { describePostgres } from '../helpers/postgres.js';
import { newJob } from '../helpers/store.js';

/**
 * The store's transitions through the StoreApi, against a real PostgreSQL. Written over the interface so the
 * SQLite adapter can join the `adapters` list when it exists (next session); `reset` empties the store
 * between tests and `sql` reads its tables directly to check what the interface answers.
 */
interface Adapter {
  store: StoreApi;
  reset(): Promise<void>;
  /** How many jobs are in each (queue, state), counted from the rows. */
  countRows(): Promise<Array<{ queue: string; state: string; n: number }>>;
}

const ok: RunResult = { outcome: 'completed', exitCode: 0, signal: null, error: null };
const failed: RunResult = { outcome: 'failed', exitCode: 1, signal: null, error: 'exit 1' };
const delay = (n: number): number => 1000 * n;
const T = 1_800_000_000_000;

describePostgres('the PostgreSQL store: transitions', (url) => {
  const adapters: Array<[string, () => Adapter]> = [];
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
  adapters.push([
    'postgres',
    () => ({
      store,
      async reset() {
        await admin.query(`TRUNCATE queuectl.jobs, queuectl.attempts, queuectl.job_deps, queuectl.state_deltas, queuectl.run_minutes,
          queuectl.schedules, queuectl.environments, queuectl.config CASCADE`);
        await admin.query(`DELETE FROM queuectl.queues WHERE name <> 'default'`);
        await admin.query(`UPDATE queuectl.queues SET paused = false, paused_at = NULL, paused_reason = NULL, parallel = NULL, pause_on_dead = false`);
        await admin.query(`UPDATE queuectl.pause_all SET paused = false, paused_at = NULL`);
      },
      countRows: async () => (await admin.query(`SELECT queue, state, count(*)::int AS n FROM queuectl.jobs GROUP BY 1, 2 ORDER BY 1, 2`)).rows,
    }),
  ]);

  describe.each(adapters)('%s', (_name, adapter) => {
    let a: Adapter;
    beforeEach(async () => {
      a = adapter();
      await a.reset();
    });

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
