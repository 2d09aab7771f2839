import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SchedulerStep, StoreApi } from '../../electron/engine/store/api.js';
import { CONNECT_DEADLINE_MS, QUERY_DEADLINE_MS } from '../../electron/engine/store/postgres/connect.js';
import { openPostgresStore } from '../../electron/engine/store/postgres/index.js';
import { StoreUnavailableError } from '../../electron/engine/store/storage-error.js';
import type { RunResult } from '../../electron/engine/store/transitions/finish.js';
import { PG_SERVER_SCRIPT } from '../helpers/pg-global-setup.js';
import { newJob } from '../helpers/store.js';

/**
 * The PostgreSQL store through an outage (issue 17, "Failure behaviour"), on a private server of this file's
 * own (it is stopped and started again, which the shared one must never be): calls fail within the deadline
 * with "store unavailable", health follows, listening resumes, and nothing is recorded twice. The URL carries
 * a password (trust auth never asks for it) so every message can be checked for it.
 */

const HAS_BINARIES = ['17', '16', '15'].some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)) || !!process.env.PG_BIN;
const SECRET = 's3cret-Pw';
const T = 1_800_000_000_000;
const failed: RunResult = { outcome: 'failed', exitCode: 1, signal: null, error: 'exit 1' };
const ok: RunResult = { outcome: 'completed', exitCode: 0, signal: null, error: null };

/** A port nothing listens on (taken and given back). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** How long `call` took to fail, and with what. */
async function failure(call: () => Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const t0 = Date.now();
  try {
    await call();
  } catch (err) {
    return { err, ms: Date.now() - t0 };
  }
  throw new Error('the call succeeded');
}

let markers = 0;
const step = (over: Partial<SchedulerStep>): SchedulerStep => ({
  now: T,
  groups: [],
  results: [],
  retryDelay: () => 0,
  idleWorkers: [],
  held: [],
  begin: () => ({ logStart: 0, marker: `m${++markers}` }),
  ...over,
});

/**
 * A TCP proxy to `port` that, once armed, passes the next COMMIT on to the server and cuts the connection when
 * the answer comes back, without passing it: a commit that landed and whose answer was lost.
 */
async function commitCutter(port: number): Promise<{ port: number; arm(): void; close(): Promise<void> }> {
  let armed = false;
  const proxy: Server = createServer((client) => {
    const server = connect(port, '127.0.0.1');
    let cut = false;
    client.on('data', (bytes) => {
      if (armed && bytes.includes('COMMIT')) [armed, cut] = [false, true];
      server.write(bytes);
    });
    server.on('data', (bytes) => (cut ? (client.destroy(), server.destroy()) : client.write(bytes)));
    for (const [a, b] of [[client, server], [server, client]] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  return {
    port: (proxy.address() as { port: number }).port,
    arm: () => (armed = true),
    close: () => new Promise<void>((done) => proxy.close(() => done())),
  };
}

const NAME = 'the PostgreSQL store through an outage';
if (!HAS_BINARIES) describe(NAME, () => it.skip('skipped: no PostgreSQL binaries to run a private server that can be stopped (apt-get install postgresql, or set PG_BIN)', () => {}));
else describe(NAME, () => {
  const dir = mkdtempSync(join(tmpdir(), 'queuectl-pg-outage-'));
  const server = (action: 'start' | 'halt' | 'stop'): string => execFileSync(PG_SERVER_SCRIPT, [action, dir], { encoding: 'utf8' }).trim();
  let url = '';
  let admin: pg.Client;
  let store: StoreApi;
  const logged: string[] = [];
  /** A plain connection for set-up and checks; the server's halt breaks it, which is expected. */
  const adminClient = (): pg.Client => new pg.Client({ connectionString: url }).on('error', () => {});

  beforeAll(async () => {
    const u = new URL(server('start'));
    u.password = SECRET;
    u.pathname = '/outage';
    url = u.toString();
    const setup = new pg.Client({ connectionString: server('start') });
    await setup.connect();
    await setup.query('CREATE DATABASE outage');
    await setup.end();
    store = await openPostgresStore(url, { log: (msg) => logged.push(msg) });
    admin = adminClient();
    await admin.connect();
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await admin?.end().catch(() => {});
    server('stop');
  });

  it('fails fast at open when the server cannot be reached: one line, password masked', async () => {
    const port = await closedPort();
    const { err, ms } = await failure(() => openPostgresStore(`postgres://queuectl:${SECRET}@127.0.0.1:${port}/db`));
    expect(err).toBeInstanceOf(StoreUnavailableError);
    const message = (err as Error).message;
    expect(message).toMatch(new RegExp(`^store unavailable: cannot reach postgres://queuectl:\\*\\*\\*@127\\.0\\.0\\.1:${port}/db: connect ECONNREFUSED`));
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain('\n');
    expect(ms).toBeLessThan(CONNECT_DEADLINE_MS);
  });

  it('says "may not have been" when the connection breaks during the COMMIT', async () => {
    // A deferred trigger runs at COMMIT and ends its own connection there, as a server dying mid-commit would.
    await admin.query(`CREATE FUNCTION public.die() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(1); RETURN NULL; END $$`);
    await admin.query(`CREATE CONSTRAINT TRIGGER die AFTER INSERT ON queuectl.queues DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW WHEN (NEW.name = 'doomed') EXECUTE FUNCTION public.die()`);
    try {
      const { err } = await failure(() => store.configureQueue('doomed', { parallel: 2 }));
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as Error).message).toMatch(/^store unavailable: .*; the connection broke while the change was being committed, so it may not have been made/);
      expect((err as Error).message).not.toMatch(/nothing was changed/);
    } finally {
      await admin.query('DROP TRIGGER die ON queuectl.queues; DROP FUNCTION public.die()');
    }
    await vi.waitFor(() => expect(store.health().available).toBe(true), { timeout: 10_000 });
  });

  it('a result written again after a lost answer changes nothing, even with the job running again', async () => {
    const job = await store.enqueue(newJob({ max_retries: 3 }), T);
    expect((await store.claim(1, T))?.attempt).toBe(1);
    // Attempt 1 fails and, retried at once, is claimed again in the same step: the job is processing, attempt 2.
    const first = await store.step(step({ results: [{ jobId: job.id, attempt: 1, result: failed }], idleWorkers: [1] }));
    expect(first.claims.map((c) => [c.claimed.job.id, c.claimed.attempt])).toEqual([[job.id, 2]]);
    // The scheduler never saw that answer, so it writes the same result again.
    const replay = await store.step(step({ now: T + 1, results: [{ jobId: job.id, attempt: 1, result: failed }] }));
    expect(replay.changed).toEqual([]);
    const row = (await store.getJob(job.id))!;
    expect([row.state, row.attempts]).toEqual(['processing', 1]);
    expect((await store.attempts(job.id)).map((a) => a.outcome)).toEqual(['failed', 'running']);
    expect((await store.finish(job.id, 2, ok, T + 2, () => 0))?.state).toBe('completed');
    expect(await store.finish(job.id, 2, ok, T + 3, () => 0)).toBeNull();
    expect((await store.counts()).completed).toBe(1);
  });

  it('settles a step whose COMMIT landed but whose answer was lost: results once, its unlaunched claim requeued', async () => {
    const cutter = await commitCutter(Number(new URL(url).port));
    const proxied = new URL(url);
    proxied.port = String(cutter.port);
    const cut = await openPostgresStore(proxied.toString());
    try {
      const a = await cut.enqueue(newJob(), T);
      const b = await cut.enqueue(newJob(), T);
      expect((await cut.claim(1, T))?.job.id).toBe(a.id);
      cutter.arm();
      const { err } = await failure(() => cut.step(step({ now: T + 10, results: [{ jobId: a.id, attempt: 1, result: ok }], idleWorkers: [2] })));
      expect((err as Error).message).toMatch(/^store unavailable: .*so it may not have been made/);
      // It did land: a completed, b claimed for a worker that never heard of it.
      expect((await store.getJob(a.id))?.state).toBe('completed');
      expect((await store.getJob(b.id))?.state).toBe('processing');

      // The scheduler's next step writes a's result again and has worker 2 idle still.
      const next = await cut.step(step({ now: T + 20, results: [{ jobId: a.id, attempt: 1, result: ok }], idleWorkers: [2] }));
      expect(next.changed.filter((r) => r.id === a.id).map((r) => r.state)).toEqual(['completed']);
      expect(next.claims.map((c) => [c.workerId, c.claimed.job.id, c.claimed.attempt])).toEqual([[2, b.id, 2]]);
      expect((await store.attempts(a.id)).map((r) => r.outcome)).toEqual(['completed']);
      expect((await store.attempts(b.id)).map((r) => r.outcome)).toEqual(['requeued', 'running']);
      expect((await store.getJob(b.id))?.attempts).toBe(0);
      await cut.finish(b.id, 2, ok, T + 30, () => 0);
    } finally {
      await cut.close();
      await cutter.close();
    }
  });

  it('fails within the deadline while the server is down, says so in health, and comes back with it', async () => {
    const job = await store.enqueue(newJob(), T);
    let heard = 0;
    const stopListening = await store.onJobsChanged(() => heard++);
    logged.length = 0;

    server('halt');
    for (const call of [() => store.getJob(job.id), () => store.enqueue(newJob(), T), () => store.step(step({ idleWorkers: [1] }))]) {
      const { err, ms } = await failure(call);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as StoreUnavailableError).code).toBe('STORAGE_ERROR');
      expect((err as Error).message).toMatch(/^store unavailable: .+; nothing was changed; try again once the database answers$/);
      expect((err as Error).message).not.toContain(SECRET);
      expect(ms).toBeLessThan(CONNECT_DEADLINE_MS + 1000);
    }
    const down = store.health();
    expect(down.available).toBe(false);
    expect(down.unavailableSince).toBeGreaterThan(0);
    expect(down.lastError).toBeTruthy();
    expect(down.lastError).not.toContain(SECRET);
    expect(logged.filter((l) => /^store unavailable: .*; reconnecting$/.test(l))).toHaveLength(1);

    const heardBefore = heard;
    server('start');
    await vi.waitFor(() => expect(store.health()).toEqual({ available: true, unavailableSince: null, lastError: null }), { timeout: 15_000, interval: 50 });
    expect(logged.filter((l) => /^store reachable again after \d+\.\d s$/.test(l))).toHaveLength(1);
    expect((await store.getJob(job.id))?.id).toBe(job.id);
    // Listening resumed: one call for the gap, then notifications again.
    await vi.waitFor(() => expect(heard).toBeGreaterThan(heardBefore), { timeout: 15_000, interval: 50 });
    const afterGap = heard;
    await store.enqueue(newJob(), T);
    await vi.waitFor(() => expect(heard).toBeGreaterThan(afterGap), { timeout: 5_000, interval: 20 });
    await stopListening();
    expect(logged.join('\n')).not.toContain(SECRET);
    await admin.end().catch(() => {});
    admin = adminClient();
    await admin.connect();
  }, 60_000);
  it('fails within the statement deadline when the server goes silent (frozen, no RST)', async () => {
    await store.getJob('warm'); // a pooled connection to reuse
    const backends = (await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = 'queuectl'`)).rows.map((r) => r.pid);
    const postmaster = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const frozen = [postmaster, ...backends];
    for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    try {
      const { err, ms } = await failure(() => store.getJob('x'));
      expect((err as Error).message).toMatch(/^store unavailable: (no answer within 8 s|could not connect within 5 s); nothing was changed/);
      expect(ms).toBeLessThan(QUERY_DEADLINE_MS + 1500);
      expect(store.health().available).toBe(false);
    } finally {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
    }
    await vi.waitFor(() => expect(store.health().available).toBe(true), { timeout: 20_000, interval: 50 });
  }, 40_000);
});
