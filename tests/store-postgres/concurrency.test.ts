import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StoreApi } from '../../electron/engine/store/api.js';
import { claimIn } from '../../electron/engine/store/postgres/claim.js';
import { openPostgresStore } from '../../electron/engine/store/postgres/index.js';
import { describePostgres } from '../helpers/postgres.js';
import { newJob } from '../helpers/store.js';

/**
 * Claims from several stores at once, each with its own pool (as separate daemons would be): FOR UPDATE SKIP
 * LOCKED hands each job to one claimer, and a queue's parallel limit holds across them.
 */
describePostgres('the PostgreSQL store: concurrent claimers', (url) => {
  const CLAIMERS = 4;
  let stores: StoreApi[] = [];
  let admin: pg.Client;
  beforeAll(async () => {
    stores = await Promise.all(Array.from({ length: CLAIMERS }, () => openPostgresStore(url(), { max: 2 })));
    admin = new pg.Client({ connectionString: url() });
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await admin?.end();
  });

  /** Each store claims until nothing is left; answers the job ids each one got. */
  const drain = (now: number, onClaim?: (store: number) => Promise<void>) =>
    Promise.all(
      stores.map(async (store, i) => {
        const got: string[] = [];
        for (;;) {
          const c = await store.claim(i + 1, now);
          if (!c) return got;
          got.push(c.job.id);
          await onClaim?.(i);
        }
      }),
    );

  it('500 jobs, 4 claimers on their own connections: every job claimed exactly once', async () => {
    const now = Date.now();
    const ids = await stores[0]!.enqueueMany(Array.from({ length: 500 }, () => newJob()), now);
    const got = await drain(now);
    const all = got.flat();
    expect(all).toHaveLength(500);
    expect(new Set(all)).toEqual(new Set(ids));
    // Every claimer took part (SKIP LOCKED passes over the others' rows instead of queueing behind them).
    expect(got.filter((g) => g.length > 0).length).toBeGreaterThan(1);
    const attempts = await admin.query(`SELECT count(*)::int AS n, count(DISTINCT job_id)::int AS jobs FROM queuectl.attempts`);
    expect(attempts.rows[0]).toEqual({ n: 500, jobs: 500 });
    expect((await stores[1]!.counts()).processing).toBe(500);
  });

  it('a queue with parallel 2 never runs more than 2 at once, however many claim', async () => {
    await stores[0]!.configureQueue('limited', { parallel: 2 });
    const now = Date.now();
    await stores[0]!.enqueueMany(Array.from({ length: 20 }, () => newJob({ queue: 'limited' })), now);
    const got = await drain(now);
    expect(got.flat()).toHaveLength(2);
    const running = await admin.query(`SELECT count(*)::int AS n FROM queuectl.jobs WHERE queue = 'limited' AND state = 'processing'`);
    expect(running.rows[0].n).toBe(2);
  });

  /** Runs `fn` in a transaction on a connection of its own, left open until the answered `commit` is called. */
  async function openTransaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<{ value: T; commit: () => Promise<void> }> {
    const pool = new pg.Pool({ connectionString: url(), max: 1, options: '-c TimeZone=UTC' });
    const c = await pool.connect();
    await c.query('BEGIN');
    const value = await fn(c);
    return {
      value,
      commit: async () => {
        await c.query('COMMIT');
        c.release();
        await pool.end();
      },
    };
  }

  /** Resolves once some session waits for a lock (pg_locks), so a test sees a claim or a pause blocked. */
  async function someoneWaits(): Promise<void> {
    for (;;) {
      const r = await admin.query(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted`);
      if (r.rows[0].n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  const reset = () => admin.query(`UPDATE queuectl.jobs SET state = 'canceled' WHERE state IN ('pending','failed','processing')`);

  it('a claim passes over a job another open transaction holds instead of waiting for it', async () => {
    await reset();
    const now = Date.now();
    const [first, second] = await stores[0]!.enqueueMany([newJob({ queue: 'skip' }), newJob({ queue: 'skip' })], now);
    const held = await openTransaction((c) => claimIn(c, 1, now));
    try {
      expect(held.value!.job.id).toBe(first);
      expect((await stores[1]!.claim(2, now))!.job.id).toBe(second);
    } finally {
      await held.commit();
    }
  });

  it('a limited queue is counted under its lock: a second claimer waits for the first to commit, then finds it full', async () => {
    await reset();
    await stores[0]!.configureQueue('one', { parallel: 1 });
    const now = Date.now();
    await stores[0]!.enqueueMany([newJob({ queue: 'one' }), newJob({ queue: 'one' })], now);
    const first = await openTransaction((c) => claimIn(c, 1, now));
    expect(first.value).not.toBeNull();
    const second = stores[1]!.claim(2, now);
    await someoneWaits();
    await first.commit();
    expect(await second).toBeNull();
  });

  it('pausing waits for the claims in flight; once it answered, no claim gets through', async () => {
    await reset();
    const now = Date.now();
    await stores[0]!.enqueueMany([newJob({ queue: 'held' }), newJob({ queue: 'held' })], now);
    const inFlight = await openTransaction((c) => claimIn(c, 1, now));
    expect(inFlight.value).not.toBeNull();
    let answered = false;
    const pausing = stores[2]!.setQueuePaused('held', true, Date.now()).then(() => (answered = true));
    await someoneWaits();
    expect(answered).toBe(false);
    await inFlight.commit();
    await pausing;
    expect(await stores[3]!.claim(4, now)).toBeNull();
    await stores[2]!.setQueuePaused('held', false, Date.now());
    expect(await stores[3]!.claim(4, now)).not.toBeNull();
  });
});
