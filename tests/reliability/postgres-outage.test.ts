import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueError, type StatusResult } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { PG_SERVER_SCRIPT } from '../helpers/pg-global-setup.js';
import { CLI, TestHome, hasProcess, isAlive, startCli, uniqueSleep, waitFor, type RunningCli } from '../helpers/daemon.js';

/**
 * A real daemon on a PostgreSQL server of this file's own, which is stopped and restarted under it (issue 17,
 * "Failure behaviour"): status answers during the outage, requests fail fast with "store unavailable", runs
 * that end meanwhile are written when it returns, wake-ups from another process arrive at once (also after the
 * outage), `status --watch` stays up through an outage and shows the counts again by itself, 2,000 jobs from 10
 * clients survive two restarts exactly once each, and kill -9 recovers as on SQLite.
 * The safety poll is set to a minute, so a job that starts within a second was woken, not polled.
 */

const HAS_BINARIES = ['17', '16', '15'].some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)) || !!process.env.PG_BIN;
/** The CLI's wait for the daemon: a request during an outage must fail well within it. */
const CLI_DEADLINE_MS = 15_000;
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;
// eslint-disable-next-line no-control-regex
const plain = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

/** `status --watch` on a terminal (util-linux `script` gives it one): its newest full-screen frame as plain text. */
function watchOnTerminal(t: TestHome): { lastFrame: () => string; child: ReturnType<typeof spawn>; done: Promise<number> } {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = ['exec', process.execPath, CLI, 'status', '--watch'].map(quote).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: t.env({ TERM: 'xterm-256color', COLUMNS: '120', LINES: '40' }) });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return { lastFrame: () => plain(out.split('\x1b[H').at(-1) ?? ''), child, done };
}

const NAME = 'a daemon on PostgreSQL through server restarts, kill -9 and enqueues from elsewhere';
if (!HAS_BINARIES) describe(NAME, () => it.skip('skipped: no PostgreSQL binaries to run a private server that can be stopped (apt-get install postgresql, or set PG_BIN)', () => {}));
else describe(NAME, () => {
  const dir = mkdtempSync(join(tmpdir(), 'queuectl-pg-reliability-'));
  const server = (action: 'start' | 'halt' | 'restart' | 'stop'): string => execFileSync(PG_SERVER_SCRIPT, [action, dir], { encoding: 'utf8' }).trim();
  const t = new TestHome();
  /** A home with no daemon whose commands work on the same database (another process, another machine). */
  const elsewhere = new TestHome();
  let url = '';
  let pid = 0;

  /** One query on a connection of its own (a restart breaks any kept one). */
  async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  const status = (): Promise<StatusResult> => t.json<StatusResult>(['status']);
  const logLines = (pattern: RegExp): string[] => t.daemonLog().split('\n').filter((line) => pattern.test(line));

  /** Enqueues `true` from the daemonless home; answers how long after its enqueue the daemon started it (ms). */
  async function startLatencyFromElsewhere(): Promise<number> {
    const r = await elsewhere.cli(['enqueue', 'true'], { env: { QUEUECTL_STORE: url } });
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    const job = await t.until(id, 'completed', 10_000);
    return Date.parse(job.attempt_history[0]!.started_at) - Date.parse(job.created_at);
  }

  beforeAll(async () => {
    const u = new URL(server('start'));
    const setup = new pg.Client({ connectionString: u.toString() });
    await setup.connect();
    await setup.query('CREATE DATABASE reliability');
    await setup.end();
    u.pathname = '/reliability';
    url = u.toString();
    pid = (await t.json<{ pid: number }>(['worker', 'start', '--detach', '--count', '4', '--store', url])).pid;
    await t.ok(['config', 'set', 'tick_interval_ms', '60000']);
    await t.ok(['config', 'set', 'backoff_factor_ms', '0']);
  }, 60_000);
  afterAll(async () => {
    await t.dispose();
    await elsewhere.dispose();
    server('stop');
  });

  it('a job enqueued by another process into the same database starts within milliseconds, not at the safety poll', async () => {
    const latency = await startLatencyFromElsewhere();
    expect(await elsewhere.answers()).toBe(false);
    expect(latency).toBeLessThan(1000);
    console.log(`wake-up: enqueued by another process, started ${latency} ms later (safety poll: 60 s)`);
  }, 30_000);

  it('through an outage: status answers, requests fail fast with "store unavailable", runs that end meanwhile are written once when it returns, wake-ups come back', async () => {
    const marker = uniqueSleep(4);
    const ids = (await t.ok(['enqueue', '--stdin'], { input: Array.from({ length: 4 }, () => `${marker}; true`).join('\n') })).split('\n');
    await waitFor(async () => (await status()).counts.processing === 4 || undefined, 10_000, '4 runs');

    server('halt');
    let refusedMs = 0;
    try {
      const down = await t.cli(['status', '--json']);
      expect(down.code, down.stderr).toBe(0);
      const s = JSON.parse(down.stdout) as StatusResult;
      expect(s.store).toMatchObject({ kind: 'postgres', available: false });
      expect(Date.parse(s.store.unavailable_since!)).toBeGreaterThan(Date.now() - 10_000);
      expect(s.store.last_error).toMatch(/terminat|ECONNREFUSED|57P01|ENOENT/);
      expect(s.workers.filter((w) => w.job_id !== null)).toHaveLength(4);
      const human = await t.cli(['status']);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toMatch(/store unavailable since .*: /);
      expect(human.stdout).toMatch(/4 workers \(4 busy\)/);

      const t0 = Date.now();
      const refused = await t.cli(['enqueue', 'true']);
      refusedMs = Date.now() - t0;
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/store unavailable: /);
      expect(refusedMs).toBeLessThan(CLI_DEADLINE_MS);

      // The runs end while the server is down: their results wait in the daemon.
      await waitFor(async () => (await status()).workers.every((w) => w.job_id === null) || undefined, 15_000, 'the runs to end during the outage');
      expect(await status()).toMatchObject({ store: { available: false } });
    } finally {
      server('start');
    }

    for (const id of ids) {
      const job = await t.until(id, 'completed', 20_000);
      expect(job.attempt_history.map((a) => a.outcome)).toEqual(['completed']);
    }
    const up = await status();
    expect(up.store).toMatchObject({ available: true, unavailable_since: null, last_error: null });
    expect(logLines(/store unavailable: .*reconnecting/)).toHaveLength(1);
    expect(logLines(/store reachable again after/)).toHaveLength(1);
    expect(isAlive(pid)).toBe(true);

    // The daemon's LISTEN connection is back (it reconnects with backoff), and wakes it again.
    await waitFor(async () => (await sql(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'queuectl listen'`)).length === 1 || undefined, 15_000, 'LISTEN to come back');
    const latency = await startLatencyFromElsewhere();
    expect(latency).toBeLessThan(1000);
    console.log(`outage: a request failed in ${refusedMs} ms (exit 1, "store unavailable"); 4 runs that ended during it written once; wake-up after it: ${latency} ms`);
  }, 90_000);

  it('status --watch stays up through an outage: "store unavailable since …" on a terminal, in lines and JSON lines, then the counts again by itself', async () => {
    const { completed } = (await status()).counts;
    const lines = startCli(t, ['status', '--watch']);
    const json = startCli(t, ['status', '--watch', '--json']);
    const terminal = HAS_SCRIPT ? watchOnTerminal(t) : null;
    const seen = (w: RunningCli, pattern: RegExp, after = 0): Promise<true> =>
      waitFor(() => pattern.test(w.stdout().slice(after)) || undefined, 20_000, `${pattern} in:\n${w.stdout().slice(-2000)}\n${w.stderr()}`);
    const docs = (w: RunningCli, after: number): StatusResult[] => w.stdout().slice(after, w.stdout().lastIndexOf('\n')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as StatusResult);
    const frame = (pattern: RegExp): Promise<true> | null =>
      terminal && waitFor(() => pattern.test(terminal.lastFrame()) || undefined, 20_000, `a frame showing ${pattern}; last:\n${terminal.lastFrame()}`);
    await Promise.all([seen(lines, new RegExp(` completed=${completed} `)), seen(json, /"available":true/), frame(new RegExp(`completed\\s+${completed}\\b`))]);

    server('halt');
    let downAt = { lines: 0, json: 0 };
    try {
      await Promise.all([
        seen(lines, /Z store=unavailable since=\S+Z busy=0\/4\n/),
        waitFor(() => docs(json, 0).some((d) => d.store.available === false && d.store.unavailable_since !== null) || undefined, 20_000, 'a JSON line saying the store is unavailable'),
        frame(/store unavailable since .*: /),
      ]);
      downAt = { lines: lines.stdout().length, json: json.stdout().length };
    } finally {
      server('start');
    }
    // Back by itself: no job changes meanwhile, so the watch learns it from its own reads of `status`.
    await Promise.all([
      seen(lines, new RegExp(`Z pending=0 processing=0 completed=${completed} .* paused=no\n`), downAt.lines),
      waitFor(() => docs(json, downAt.json).find((d) => d.store.available && d.counts.completed === completed), 30_000, 'a JSON line with the store back and its counts'),
      frame(new RegExp(`completed\\s+${completed}\\b`)),
    ]);
    expect(terminal?.lastFrame()).not.toMatch(/store unavailable/);

    for (const w of [lines, json]) w.child.kill('SIGINT');
    terminal?.child.stdin?.write('\x03');
    for (const w of [lines, json]) expect(await w.done).toMatchObject({ code: 0, stderr: '' });
    if (terminal) expect(await terminal.done).toBe(0);
  }, 90_000);

  it('2,000 jobs from 10 concurrent clients while the server restarts twice: every acknowledged job exists once and completes, no run twice, the daemon runs throughout', async () => {
    const acknowledged: string[] = [];
    const refusals: Array<{ ms: number; message: string }> = [];
    let sent = 0;
    const client = async (): Promise<void> => {
      const rpc = await RpcClient.connect(t.home, 'cli');
      try {
        for (let i = 0; i < 200; i++) {
          sent++;
          const t0 = Date.now();
          try {
            acknowledged.push((await rpc.call('enqueue', { job: { command: 'true' } })).job.id);
          } catch (err) {
            if (!(err instanceof QueueError) || err.code !== 'STORAGE_ERROR') throw err;
            refusals.push({ ms: Date.now() - t0, message: err.message });
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      } finally {
        rpc.close();
      }
    };
    const restarts = (async () => {
      await waitFor(() => sent >= 400 || undefined, 60_000, '400 enqueues');
      server('halt');
      await new Promise((r) => setTimeout(r, 500));
      server('start');
      await waitFor(() => sent >= 1200 || undefined, 60_000, '1,200 enqueues');
      server('restart');
    })();
    await Promise.all([...Array.from({ length: 10 }, client), restarts]);

    expect(isAlive(pid)).toBe(true);
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) {
      expect(r.message).toMatch(/^store unavailable: /);
      expect(r.ms).toBeLessThan(CLI_DEADLINE_MS);
    }
    await waitFor(async () => {
      const [row] = await sql<{ open: string }>(`SELECT count(*) AS open FROM queuectl.jobs WHERE state IN ('pending', 'processing', 'failed')`);
      return Number(row!.open) === 0 || undefined;
    }, 120_000, 'every job to end');
    const jobs = await sql<{ id: string; state: string; attempts: number }>(`SELECT id, state, attempts FROM queuectl.jobs WHERE id = ANY($1)`, [acknowledged]);
    expect(new Set(acknowledged).size).toBe(acknowledged.length);
    expect(jobs).toHaveLength(acknowledged.length);
    expect(jobs.filter((j) => j.state !== 'completed' || j.attempts !== 0)).toEqual([]);
    const twice = await sql(`SELECT job_id FROM queuectl.attempts WHERE outcome <> 'requeued' GROUP BY job_id HAVING count(*) > 1`);
    expect(twice).toEqual([]);
    const [row] = await sql<{ completed: string }>(`SELECT count(*) AS completed FROM queuectl.attempts WHERE outcome = 'completed' AND job_id = ANY($1)`, [acknowledged]);
    expect(Number(row!.completed)).toBe(acknowledged.length);
    expect(logLines(/store unavailable: .*reconnecting/).length).toBe(logLines(/store reachable again after/).length);
    expect(await t.answers()).toBe(true);
    console.log(
      `restart under load: ${acknowledged.length} of 2000 acknowledged, each stored once and completed by one run; ` +
        `${refusals.length} refused with "store unavailable" (slowest ${Math.max(...refusals.map((r) => r.ms))} ms); daemon pid ${pid} ran throughout`,
    );
  }, 240_000);

  it('kill -9 of the daemon with runs under way: the next start records the interrupted attempts, retries the jobs, their processes are gone', async () => {
    const marker = uniqueSleep(2);
    const ids = (await t.ok(['enqueue', '--stdin', '--retries', '1'], { input: `${marker}; true\n${marker}; true` })).split('\n');
    await waitFor(async () => (await status()).counts.processing === 2 || undefined, 10_000, '2 runs');
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), 5000, 'the daemon to die');
    await waitFor(() => !hasProcess(marker), 5000, 'the orphaned runs to be killed by their workers');

    pid = (await t.json<{ pid: number }>(['worker', 'start', '--detach', '--count', '4'])).pid;
    expect((await status()).store.kind).toBe('postgres');
    for (const id of ids) {
      const job = await t.until(id, 'completed', 20_000);
      expect(job.attempt_history.map((a) => a.outcome)).toEqual(['interrupted', 'completed']);
    }
    expect(logLines(/recovered job .*: its run was interrupted/)).toHaveLength(2);
  }, 60_000);
});
