import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { QueueError, type Attempt, type JobDetail, type JobState } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { isProcessAlive } from '../../protocol/node/process-alive.js';
import { createDatabaseSync, dropDatabase, ON_POSTGRES } from './postgres.js';

/** A job as `show --json` prints it. */
export type ShownJob = JobDetail & { attempt_history: Attempt[] };

/** The built CLI, as a user runs it. `npm test` builds it before the tests. */
export const CLI = resolve('out/cli/queuectl.cjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A temp QUEUECTL_HOME, and the CLI run against it. In the test matrix's postgres project (TEST_STORE=postgres)
 * the home also gets a fresh database on the shared test server, handed to its daemon and its daemonless
 * commands as QUEUECTL_STORE, and dropped by dispose().
 */
export class TestHome {
  readonly home: string;
  /** The home's own PostgreSQL database, or null on SQLite. */
  readonly database: { name: string; url: string } | null;

  constructor() {
    this.home = mkdtempSync(join(tmpdir(), 'qctl-'));
    this.database = ON_POSTGRES ? createDatabaseSync() : null;
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const store = this.database ? { QUEUECTL_STORE: this.database.url } : {};
    return { ...process.env, QUEUECTL_HOME: this.home, NO_COLOR: '1', ...store, ...extra };
  }

  /** Runs the CLI to completion (async, so the test's own daemon keeps being served). */
  cli(args: string[], options: { input?: string | Buffer; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
    return collect(process.execPath, [CLI, ...args], { env: this.env(options.env), cwd: options.cwd, input: options.input });
  }

  /** Runs the CLI and insists on exit 0; returns trimmed stdout. */
  async ok(args: string[], options: { cwd?: string; input?: string | Buffer } = {}): Promise<string> {
    const r = await this.cli(args, options);
    if (r.code !== 0) throw new Error(`queuectl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout.trim();
  }

  async json<T>(args: string[]): Promise<T> {
    return JSON.parse(await this.ok([...args, '--json'])) as T;
  }

  /** `show <id> --json`: the job with its attempt history. */
  show(id: string): Promise<ShownJob> {
    return this.json<ShownJob>(['show', id]);
  }

  /** Waits until the job is in `state` and returns it. */
  until(id: string, state: JobState, timeoutMs = 20_000): Promise<ShownJob> {
    return waitFor(async () => {
      const job = await this.show(id);
      return job.state === state ? job : undefined;
    }, timeoutMs, `job ${id} to be ${state}`);
  }

  /** Starts the headless daemon in the background and returns its pid once it answers. */
  async start(count = 2): Promise<number> {
    const out = await this.json<{ pid: number }>(['worker', 'start', '--detach', '--count', String(count)]);
    return out.pid;
  }

  /** True when a daemon answers on the home's socket (`status` no longer tells: it reads the store without one). */
  async answers(): Promise<boolean> {
    try {
      (await RpcClient.connect(this.home, 'cli', { timeoutMs: 10_000 })).close();
      return true;
    } catch (err) {
      if (err instanceof QueueError && err.code === 'NOT_RUNNING') return false;
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.cli(['worker', 'stop', '--timeout', '5s']);
  }

  daemonLog(): string {
    try {
      return readFileSync(join(this.home, 'daemon.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Stops a daemon if one still runs (kill -9 as a last resort) and deletes the home. */
  async dispose(): Promise<void> {
    const r = await this.cli(['worker', 'stop', '--timeout', '2s']);
    if (r.code !== 0 && r.code !== 3) {
      try {
        const pid = Number(readFileSync(join(this.home, 'daemon.pid'), 'utf8'));
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(this.home, { recursive: true, force: true });
    if (this.database) await dropDatabase(this.database.name);
  }
}

/** A CLI run in the background: its output so far, and its end. */
export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  done: Promise<CliResult>;
}

/** Starts the built CLI in the background against `t`'s home (extra variables over `t.env()`). */
export function startCli(t: TestHome, args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], { env: t.env(env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end();
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Runs a program to completion with exactly `env` (nothing inherited when given), collecting its output. */
export function collect(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string | Buffer } = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    // A program that exits before reading its input (a usage error) closes the pipe: EPIPE is no test's failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}

/** Polls until `check` returns a value (not undefined/false) or the timeout passes. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** True while any process has `needle` in its command line (Linux pgrep), for "nothing left behind" checks. */
export function hasProcess(needle: string): boolean {
  return spawnSync('pgrep', ['-f', needle]).status === 0;
}

/** A sleep whose command line is unique to this test run, so pgrep finds exactly the job's processes. */
export function uniqueSleep(seconds = 1000): string {
  return `sleep ${seconds}.${process.pid}${String(Date.now()).slice(-5)}`;
}

/** The daemon or a job process is still running (a zombie counts as gone): the CLI's own check. */
export const isAlive = isProcessAlive;

/**
 * A job that start-up recovery finds dead, in the pause_on_dead queue gpu: starts a daemon with one worker,
 * runs a long sleep in gpu (no retries), kills the daemon (SIGKILL) mid-run and starts it again with one
 * worker. Returns the job's id.
 */
export async function deadAtRestartInGpu(t: TestHome): Promise<string> {
  const pid = await t.start(1);
  await t.ok(['queue', 'set', 'gpu', '--pause-on-dead']);
  const id = await t.ok(['enqueue', JSON.stringify({ command: uniqueSleep(30), queue: 'gpu', max_retries: 0 })]);
  await t.until(id, 'processing');
  process.kill(pid, 'SIGKILL');
  await waitFor(() => !isAlive(pid), 10_000, 'the daemon to die');
  await t.start(1);
  return id;
}
