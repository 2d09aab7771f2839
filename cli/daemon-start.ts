import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsConstants, mkdirSync, openSync, readFileSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { QueueError } from '../protocol/index.js';
import { RpcClient } from '../protocol/node/client.js';
import { homePaths } from '../protocol/node/paths.js';
import { desktopEnv, desktopFallbackNote, lastLine, type DesktopStartFailure } from './desktop-launch.js';
import { EXIT } from './errors.js';
import { note } from './output.js';

/**
 * Starting the queue's process in the background for `worker start` and autostart: the headless daemon
 * detached, or the desktop app. A detached start returns once the home's socket answers hello.
 */

/** How long the desktop app may take to answer (Electron starts slower than the daemon). */
const DESKTOP_START_MS = 30_000;
/** How long a desktop app that did not answer gets to quit on SIGTERM before it is killed. */
const DESKTOP_KILL_GRACE_MS = 5_000;

/** What became of a detached start: its pid once it answered hello, or how it failed. */
type DetachedStart = { ok: true; pid: number } | { ok: false; failure: DesktopStartFailure; spawnError: string | null };

interface Detached {
  child: ChildProcess;
  /** Resolves when the child has exited (or could not be started). */
  exited: Promise<void>;
  /** daemon.log's size when the child was started: what it wrote is after this. */
  logOffset: number;
  outcome: Promise<DetachedStart>;
  /** With `ownsLog`: what the child printed before it answered (or exited): its start-up errors. */
  early: () => string;
}

/** What a detached start keeps of the child's early output. */
const EARLY_OUTPUT_MAX = 64 * 1024;

/**
 * Starts a command in its own session and waits until the home's socket answers hello, the child exits, or
 * `timeoutMs` passes. `ownsLog` (the headless daemon with --log-file): the child writes and rotates
 * daemon.log itself, and its stdout and stderr come here until it answers, so start-up errors reach this
 * CLI; otherwise (the desktop app) its output is appended to daemon.log, opened without following a link.
 */
function spawnDetached(home: string, command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, ownsLog = false): Detached {
  const paths = homePaths(home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const logOffset = fileSize(paths.daemonLog);
  let early = '';
  let child: ChildProcess;
  if (ownsLog) {
    child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', (text: string) => {
        if (early.length < EARLY_OUTPUT_MAX) early += text;
      });
    }
  } else {
    const out = openLogNoFollow(paths.daemonLog);
    child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env });
    closeSync(out);
  }
  let exit: { code: number | null; signal: string | null } | null = null;
  let spawnError: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
    child.on('error', (err) => {
      spawnError = err.message;
      exit ??= { code: null, signal: null };
      resolve();
    });
  });
  child.unref();
  const outcome = (async (): Promise<DetachedStart> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (exit !== null) break;
      try {
        const client = await RpcClient.connect(home);
        const pid = client.hello.pid;
        client.close();
        return { ok: true, pid };
      } catch (err) {
        if (!(err instanceof QueueError && err.code === 'NOT_RUNNING')) throw err;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const ended = exit as { code: number | null; signal: string | null } | null;
    return ended
      ? { ok: false, failure: { kind: 'exited', code: ended.code, signal: ended.signal }, spawnError }
      : { ok: false, failure: { kind: 'timeout', waitedMs: timeoutMs }, spawnError };
  })();
  // Once it answered or gave up, the child's output is no longer read (the daemon then writes only its log);
  // a child that exited first gets a moment for its last words, which may arrive after its exit.
  const stopReading = (): void => {
    child.stdout?.destroy();
    child.stderr?.destroy();
  };
  const released = outcome.then(
    async (started) => {
      if (!started.ok && ownsLog) await Promise.race([outputEnded(child), new Promise((r) => setTimeout(r, 1000))]);
      stopReading();
      return started;
    },
    (err: unknown) => {
      stopReading();
      throw err;
    },
  );
  return { child, exited, logOffset, outcome: released, early: () => early };
}

/** Resolves when the child's stdout and stderr have both ended. */
function outputEnded(child: ChildProcess): Promise<unknown> {
  const ended = (stream: NodeJS.ReadableStream | null): Promise<void> =>
    stream === null ? Promise.resolve() : new Promise((r) => stream.once('close', () => r()));
  return Promise.all([ended(child.stdout), ended(child.stderr)]);
}

/** daemon.log for appending (0600): a symlink planted at the name is removed, never followed. */
function openLogNoFollow(path: string): number {
  const flags = fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | (fsConstants.O_NOFOLLOW ?? 0);
  try {
    return openSync(path, flags, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw err;
    unlinkSync(path);
    return openSync(path, flags, 0o600);
  }
}

/**
 * Starts the headless daemon in the background (it writes and rotates daemon.log itself: `--log-file` is
 * added); throws with what it printed (or its log's tail) if it does not answer.
 */
export async function startDetached(home: string, command: string, args: string[], env: NodeJS.ProcessEnv, what: string, timeoutMs: number): Promise<number> {
  const detached = spawnDetached(home, command, [...args, '--log-file'], env, timeoutMs, true);
  const started = await detached.outcome;
  if (started.ok) return started.pid;
  const said = detached.early().trim() || readFrom(homePaths(home).daemonLog, detached.logOffset).trim();
  const lines = said.split('\n');
  const code = started.failure.kind === 'exited' ? ` (exit code ${started.failure.code ?? EXIT.failure})` : '';
  // One line said (a store that cannot be reached, a bad choice): the error stays one line.
  if (lines.length === 1 && said !== '') throw new QueueError('INTERNAL', `${what} did not start${code}: ${said.replace(/^queuectl: /, '')}`);
  throw new QueueError('INTERNAL', `${what} did not start${code}; its log says:\n${lines.slice(-5).join('\n')}`);
}

/**
 * Starts the desktop app and waits for its hello. If it exits first or does not answer in time, whatever is
 * left of it is stopped (SIGTERM to its process group, SIGKILL after a grace period) so that it cannot take
 * the data directory's lock from the headless daemon that runs instead; the note says why and where its log is.
 */
export async function startDesktop(
  home: string,
  electron: string,
  args: string[],
  timeoutMs = DESKTOP_START_MS,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ok: true; pid: number } | { ok: false; note: string }> {
  const detached = spawnDetached(home, electron, args, desktopEnv(env, home), timeoutMs);
  const started = await detached.outcome;
  if (started.ok) return started;
  if (started.failure.kind === 'timeout') await stopGroup(detached);
  const logPath = homePaths(home).daemonLog;
  const said = started.spawnError ? `could not run ${electron}: ${started.spawnError}` : lastLine(readFrom(logPath, detached.logOffset));
  return { ok: false, note: desktopFallbackNote(started.failure, said, logPath) };
}

/** Ends a detached child and its process group: SIGTERM (Electron quits on it), then SIGKILL. */
async function stopGroup({ child, exited }: Detached): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, sig);
      else child.kill(sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const grace = new Promise<false>((r) => setTimeout(() => r(false), DESKTOP_KILL_GRACE_MS).unref());
  if ((await Promise.race([exited.then(() => true as const), grace])) === false) {
    // Its helpers (zygote, GPU, utility processes) share its process group and go with it.
    signal('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000).unref())]);
  }
}

/** The size of `path` in bytes; 0 if it does not exist yet. */
function fileSize(path: string): number {
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  return stat.size;
}

/** The text of `path` from byte `offset` on ('' if it cannot be read). */
function readFrom(path: string, offset: number): string {
  try {
    return readFileSync(path).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}
