import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SchedulerStep, StoreApi } from '../../electron/engine/store/api.js';
import { openPostgresStore } from '../../electron/engine/store/postgres/index.js';
import type { RunResult } from '../../electron/engine/store/transitions/finish.js';
import { describePostgres } from '../helpers/postgres.js';
import { newJob } from '../helpers/store.js';

/**
 * The scheduler's step on the server (migration 0002): two round trips whose parameters travel as one JSON
 * literal, claims from several daemons at once, and what it answers beside the claims.
 */
describePostgres('the PostgreSQL store: the step as server functions', (url) => {
  const STORES = 3;
  let stores: StoreApi[] = [];
  let admin: pg.Client;
  beforeAll(async () => {
    stores = await Promise.all(Array.from({ length: STORES }, () => openPostgresStore(url(), { max: 2 })));
    admin = new pg.Client({ connectionString: url() });
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await admin?.end();
  });

  const ok: RunResult = { outcome: 'completed', exitCode: 0, signal: null, error: null, lastLine: null };
  const step = (now: number, over: Partial<SchedulerStep> = {}): SchedulerStep => ({
    now,
    groups: [],
    results: [],
    retryDelay: () => 1000,
    idleWorkers: [],
    held: [],
    begin: (jobId) => ({ logStart: jobId.length * 7, marker: `marker '${jobId}' \\ ü` }),
    ...over,
  });

  it('ids, markers and last lines with quotes, backslashes and non-ASCII reach the server as written', async () => {
    const now = Date.now();
    const id = `o'brien\\x "ü" ${now}`;
    await stores[0]!.enqueue(newJob({ id }), now);
    const claimed = await stores[0]!.step(step(now + 1, { idleWorkers: [1] }));
    expect(claimed.claims.map((c) => [c.workerId, c.claimed.job.id, c.claimed.attempt])).toEqual([[1, id, 1]]);
    const run = await admin.query(`SELECT log_start, run_marker FROM queuectl.attempts WHERE job_id = $1`, [id]);
    expect(run.rows).toEqual([{ log_start: String(id.length * 7), run_marker: `marker '${id}' \\ ü` }]);
    const line = `it's done \\o/ — "ok"`;
    const done = await stores[0]!.step(step(now + 2, { results: [{ jobId: id, attempt: 1, result: { ...ok, lastLine: line } }] }));
    expect(done.changed.map((r) => [r.id, r.state, r.last_line])).toEqual([[id, 'completed', line]]);
    // Rows read like every other read of the store: times as epoch ms, flags as 0/1.
    expect(done.changed[0]).toEqual(await stores[0]!.getJob(id));
    expect(done.changed[0]!.finished_at).toBe(now + 2);
  });

  it('a NUL or half a surrogate pair in an error or last line is stored as U+FFFD, on either path, instead of failing the step', async () => {
    const now = Date.now();
    const a = await stores[0]!.enqueue(newJob(), now);
    const b = await stores[0]!.enqueue(newJob({ max_retries: 0 }), now);
    await stores[0]!.step(step(now, { idleWorkers: [1, 2] }));
    const odd = 'a\u0000b \uD800c \uDC00d 😀';
    const clean = 'a\uFFFDb \uFFFDc \uFFFDd 😀';
    // Completed: the quick path (one JSON literal); failed: the longer one (text parameters).
    const quick = await stores[0]!.step(step(now + 1, { results: [{ jobId: a.id, attempt: 1, result: { ...ok, lastLine: odd } }] }));
    const full = await stores[0]!.step(
      step(now + 2, { results: [{ jobId: b.id, attempt: 1, result: { outcome: 'failed', exitCode: 1, signal: null, error: odd, lastLine: odd } }] }),
    );
    expect([...quick.changed, ...full.changed].map((r) => [r.id, r.state, r.last_line])).toEqual([
      [a.id, 'completed', clean],
      [b.id, 'dead', clean],
    ]);
    expect((await stores[0]!.getJob(b.id))!.last_error).toBe(clean);
  });

  it('a result written again finds its run closed and changes nothing', async () => {
    const now = Date.now();
    const job = await stores[0]!.enqueue(newJob(), now);
    await stores[0]!.step(step(now, { idleWorkers: [1] }));
    const result = { jobId: job.id, attempt: 1, result: ok };
    expect((await stores[0]!.step(step(now + 1, { results: [result] }))).changed.map((r) => r.state)).toEqual(['completed']);
    expect((await stores[1]!.step(step(now + 2, { results: [result] }))).changed).toEqual([]);
    expect((await stores[0]!.getJob(job.id))!.finished_at).toBe(now + 1);
  });

  it('a worker left idle brings back when the next waiting job falls due; all busy, nothing is read', async () => {
    const now = Date.now();
    const later = await stores[0]!.enqueue(newJob({ run_at: now + 60_000, queue: 'later' }), now);
    const due = await stores[0]!.enqueue(newJob(), now);
    const first = await stores[0]!.step(step(now, { idleWorkers: [1] }));
    expect(first.claims.map((c) => c.claimed.job.id)).toEqual([due.id]);
    expect(first.nextRunAt).toBeUndefined();
    const second = await stores[0]!.step(step(now + 1, { results: [{ jobId: due.id, attempt: 1, result: ok }], idleWorkers: [1] }));
    expect(second.claims).toEqual([]);
    expect(second.nextRunAt).toBe(later.run_at);
    await stores[0]!.cancel(later.id, now + 2);
  });

  it('pause_on_dead holds claims as a pause does: it waits for a claim in flight elsewhere', async () => {
    const now = Date.now();
    await stores[0]!.configureQueue('brittle', { pause_on_dead: true });
    const job = await stores[0]!.enqueue(newJob({ queue: 'brittle' }), now);
    await stores[0]!.step(step(now, { idleWorkers: [1] }));
    // Another daemon's claim, in flight: it holds the claims lock shared until it commits.
    const other = new pg.Client({ connectionString: url() });
    await other.connect();
    await other.query('BEGIN');
    await other.query(`SELECT queuectl.claim_next(99, now(), '{}')`);
    const failed: RunResult = { outcome: 'failed', exitCode: 1, signal: null, error: null, lastLine: null };
    const stepping = stores[0]!.step(step(now + 1, { results: [{ jobId: job.id, attempt: 1, result: failed }] }));
    // The step waits for that lock (seen in pg_locks), and finishes once the claim committed.
    for (const until = Date.now() + 10_000; ; ) {
      const waiting = await admin.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
      if (waiting.rowCount! > 0) break;
      if (Date.now() > until) throw new Error('the step never waited for the claims lock');
    }
    await other.query('COMMIT');
    await other.end();
    expect((await stepping).pausedQueues).toEqual([{ queue: 'brittle', jobId: job.id }]);
    await stores[0]!.setQueuePaused('brittle', false, now + 2);
  });

  it('three daemons stepping at once complete each of 600 jobs exactly once, one run each', async () => {
    const now = Date.now();
    const ids = await stores[0]!.enqueueMany(Array.from({ length: 600 }, () => newJob({ queue: 'race' })), now);
    const runs = await Promise.all(
      stores.map(async (store, i) => {
        const workers = [1 + i * 2, 2 + i * 2];
        let running: Array<{ jobId: string; attempt: number }> = [];
        const done: string[] = [];
        for (let t = now + 1; ; t++) {
          const out = await store.step(step(t, { results: running.map((r) => ({ ...r, result: ok })), idleWorkers: workers }));
          done.push(...out.changed.filter((r) => r.state === 'completed').map((r) => r.id));
          running = out.claims.map((c) => ({ jobId: c.claimed.job.id, attempt: c.claimed.attempt }));
          if (running.length === 0) return done;
        }
      }),
    );
    const all = runs.flat().filter((id) => ids.includes(id));
    expect(all).toHaveLength(600);
    expect(new Set(all)).toEqual(new Set(ids));
    expect(runs.filter((r) => r.length > 0).length).toBeGreaterThan(1);
    const attempts = await admin.query(
      `SELECT count(*)::int AS n, count(DISTINCT job_id)::int AS jobs FROM queuectl.attempts a JOIN queuectl.jobs j ON j.id = a.job_id
       WHERE j.queue = 'race' AND a.outcome = 'completed'`,
    );
    expect(attempts.rows[0]).toEqual({ n: 600, jobs: 600 });
  });
});
