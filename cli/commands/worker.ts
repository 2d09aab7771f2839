import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { defaultConfig, formatDuration, QueueError } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { homePaths, resolveHome } from '../../protocol/node/paths.js';
import {
  decideLaunch,
  desktopEnv,
  desktopFallbackNote,
  lastLine,
  probeElectron,
  probeNativeBuild,
  type DesktopStartFailure,
  type FileProbe,
  type LaunchDecision,
} from '../desktop-launch.js';
import { EXIT } from '../errors.js';
import { note, printJson, printLine } from '../output.js';
import { duration, integer } from '../parse.js';

/** The headless daemon bundle, next to this CLI's bundle. */
const daemonEntry = (): string => fileURLToPath(new URL('../node/daemon.js', import.meta.url));
/** The project root (out/cli/ is two levels down): the desktop app, node_modules/electron. */
const appRoot = (): string => fileURLToPath(new URL('../..', import.meta.url));
/** How long the desktop app may take to answer (Electron starts slower than the daemon). */
const DESKTOP_START_MS = 30_000;
/** How long a desktop app that did not answer gets to quit on SIGTERM before it is killed. */
const DESKTOP_KILL_GRACE_MS = 5_000;
/**
 * `worker stop` waits for the daemon to exit at most its stop timeout plus this: after the timeout the engine
 * still kills and requeues running jobs (up to 5 s), lets the workers go (up to 3 s) and checkpoints the
 * database. A daemon that takes longer than this is stuck, and saying so beats waiting forever.
 */
export const STOP_EXIT_GRACE_MS = 30_000;

/** How long `worker stop` waits for the daemon to exit, given the stop timeout it asked for (or the configured one). */
export function stopWaitMs(stopTimeoutMs: number): number {
  return stopTimeoutMs + STOP_EXIT_GRACE_MS;
}

const files: FileProbe = {
  exists: (path) => existsSync(path),
  read: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  },
};

/** Desktop app or headless daemon: see cli/desktop-launch.ts for the rules. */
function launchDecision(opts: { headless?: boolean; detach?: boolean }): LaunchDecision {
  const root = appRoot();
  const shortcut = opts.headless || opts.detach;
  return decideLaunch({
    platform: process.platform,
    env: process.env,
    headless: opts.headless === true,
    detach: opts.detach === true,
    // Nothing is probed when the flags already decided.
    electron: shortcut ? { found: false, why: '' } : probeElectron(root, process.env, files),
    appBuilt: !shortcut && existsSync(fileURLToPath(new URL('../main/index.js', import.meta.url))),
    native: shortcut ? { ok: false, why: '' } : probeNativeBuild(root, files),
  });
}

export function registerWorker(program: Command): void {
  const worker = program.command('worker').description('start or stop the queue daemon and its worker processes');

  worker
    .command('start')
    .description(
      'start the queue: the desktop tray app when a display and Electron are available, else the headless daemon in the foreground; --detach: the headless daemon in the background',
    )
    .option('--count <n>', 'number of worker processes (stored as config "workers")', integer(1, 64))
    .option('--headless', 'run the headless daemon (no desktop app), in the foreground unless --detach')
    .option('--detach', 'run the headless daemon in the background; return once it answers')
    .option('--json', 'with --detach or the desktop app: print pid and home as JSON')
    .action(async (opts: { count?: number; headless?: boolean; detach?: boolean; json?: boolean }) => {
      const home = resolveHome();
      await refuseIfRunning(home);
      const count = opts.count ? ['--count', String(opts.count)] : [];
      const decision = launchDecision(opts);
      if (decision.mode === 'desktop') {
        const started = await startDesktop(home, decision.electron, [appRoot(), ...count]);
        if (started.ok) {
          if (opts.json) printJson({ pid: started.pid, home, mode: 'desktop' });
          else printLine(`queuectl desktop app started (pid ${started.pid}); it runs in the tray; stop it with: queuectl worker stop`);
          return;
        }
        // The app exited or never answered (and was stopped): the headless daemon in the foreground, as before.
        note(started.note);
      } else if (decision.reason && !opts.detach) {
        note(`queuectl: running the headless daemon: ${decision.reason}`);
      }
      const args = [daemonEntry(), ...count];
      if (opts.detach) {
        const pid = await startDetached(home, process.execPath, args, process.env, 'the daemon', 15_000);
        if (opts.json) printJson({ pid, home });
        else printLine(`queuectl daemon started in the background (pid ${pid}); stop it with: queuectl worker stop`);
        return;
      }
      process.exitCode = await runForeground(args);
    });

  worker
    .command('stop')
    .description('stop gracefully: start no new jobs, let running ones finish, then exit')
    .option('--timeout <duration>', 'after this long, kill running jobs and put them back to pending (default: config stop_timeout_ms)', duration)
    .option('--json', 'print the stopped daemon as JSON')
    .action(async (opts: { timeout?: number; json?: boolean }) => {
      const home = resolveHome();
      const client = await RpcClient.connect(home);
      const timeoutMs = opts.timeout ?? (await configuredStopTimeout(client));
      const { pid } = await client.call('daemon.stop', opts.timeout === undefined ? {} : { timeout_ms: opts.timeout });
      const waitMs = stopWaitMs(timeoutMs);
      const deadline = Date.now() + waitMs;
      const exited = (await beforeDeadline(client.closed(), deadline)) && (await waitForExit(pid, deadline));
      if (!exited) {
        client.close();
        const end = process.platform === 'win32' ? `taskkill /PID ${pid} /F` : `kill ${pid}`;
        throw new QueueError(
          'INTERNAL',
          `the daemon (pid ${pid}) did not exit within ${formatDuration(waitMs)} of being asked to stop (stop timeout ${formatDuration(timeoutMs)} + ${formatDuration(STOP_EXIT_GRACE_MS)}); ` +
            `it looks stuck: see its log (${homePaths(home).daemonLog} when started in the background or as the desktop app), then end it with: ${end}`,
        );
      }
      if (opts.json) printJson({ stopped: true, pid });
      else printLine(`queuectl daemon stopped (pid ${pid})`);
    });
}

/** The daemon's stop_timeout_ms, which a stop without --timeout uses; the default if it cannot be read. */
async function configuredStopTimeout(client: RpcClient): Promise<number> {
  try {
    const { entry } = await client.call('config.get', { key: 'stop_timeout_ms' });
    return typeof entry.value === 'number' ? entry.value : defaultConfig().stop_timeout_ms;
  } catch {
    return defaultConfig().stop_timeout_ms;
  }
}

/** True if `promise` settles before `deadline` (epoch ms), false if the deadline comes first. */
async function beforeDeadline(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([promise.then(() => true as const, () => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function refuseIfRunning(home: string): Promise<void> {
  let client: RpcClient | null = null;
  try {
    client = await RpcClient.connect(home);
  } catch (err) {
    if (err instanceof QueueError && err.code === 'NOT_RUNNING') return;
    throw err;
  }
  const pid = client.hello.pid;
  client.close();
  throw new QueueError('INVALID_STATE', `queuectl is already running for ${home} (pid ${pid}); stop it with: queuectl worker stop`);
}

/** Runs the daemon attached to this terminal; Ctrl-C reaches it too (same process group). */
function runForeground(args: string[]): Promise<number> {
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', () => {});
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGHUP', forward('SIGHUP'));
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 15) : EXIT.failure)));
    child.on('error', (err) => {
      note(`queuectl: could not start the daemon: ${err.message}`);
      resolve(EXIT.failure);
    });
  });
}

/** What became of a detached start: its pid once it answered hello, or how it failed. */
type DetachedStart = { ok: true; pid: number } | { ok: false; failure: DesktopStartFailure; spawnError: string | null };

interface Detached {
  child: ChildProcess;
  /** Resolves when the child has exited (or could not be started). */
  exited: Promise<void>;
  /** daemon.log's size when the child was started: what it wrote is after this. */
  logOffset: number;
  outcome: Promise<DetachedStart>;
}

/**
 * Starts a command in its own session with output appended to daemon.log, and waits until the home's socket
 * answers hello, the child exits, or `timeoutMs` passes.
 */
function spawnDetached(home: string, command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Detached {
  const paths = homePaths(home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const logOffset = fileSize(paths.daemonLog);
  const out = openSync(paths.daemonLog, 'a', 0o600);
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env });
  closeSync(out);
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
  return { child, exited, logOffset, outcome };
}

/** Starts the headless daemon in the background; throws with its log's tail if it does not answer. */
async function startDetached(home: string, command: string, args: string[], env: NodeJS.ProcessEnv, what: string, timeoutMs: number): Promise<number> {
  const started = await spawnDetached(home, command, args, env, timeoutMs).outcome;
  if (started.ok) return started.pid;
  const tail = readFileSync(homePaths(home).daemonLog, 'utf8').trim().split('\n').slice(-5).join('\n');
  const code = started.failure.kind === 'exited' ? ` (exit code ${started.failure.code ?? EXIT.failure})` : '';
  throw new QueueError('INTERNAL', `${what} did not start${code}; its log says:\n${tail}`);
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
): Promise<{ ok: true; pid: number } | { ok: false; note: string }> {
  const detached = spawnDetached(home, electron, args, desktopEnv(process.env, home), timeoutMs);
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

/**
 * Waits until `pid` has exited; true once it has, false if `deadline` (epoch ms) passes first.
 * Without a deadline it waits as long as it takes.
 */
export async function waitForExit(pid: number, deadline = Infinity): Promise<boolean> {
  while (isRunning(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** A process that exited but is not yet reaped (a zombie, state Z in /proc) counts as gone. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
