import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { QueueError } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { homePaths, resolveHome } from '../../protocol/node/paths.js';
import { decideLaunch, desktopEnv, probeElectron, probeNativeBuild, type FileProbe, type LaunchDecision } from '../desktop-launch.js';
import { EXIT } from '../errors.js';
import { note, printJson, printLine } from '../output.js';
import { duration, integer } from '../parse.js';

/** The headless daemon bundle, next to this CLI's bundle. */
const daemonEntry = (): string => fileURLToPath(new URL('../node/daemon.js', import.meta.url));
/** The project root (out/cli/ is two levels down): the desktop app, node_modules/electron. */
const appRoot = (): string => fileURLToPath(new URL('../..', import.meta.url));
/** How long the desktop app may take to answer (Electron starts slower than the daemon). */
const DESKTOP_START_MS = 30_000;

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
        const pid = await startDetached(home, decision.electron, [appRoot(), ...count], desktopEnv(process.env, home), 'the desktop app', DESKTOP_START_MS);
        if (opts.json) printJson({ pid, home, mode: 'desktop' });
        else printLine(`queuectl desktop app started (pid ${pid}); it runs in the tray; stop it with: queuectl worker stop`);
        return;
      }
      const args = [daemonEntry(), ...count];
      if (opts.detach) {
        const pid = await startDetached(home, process.execPath, args, process.env, 'the daemon', 15_000);
        if (opts.json) printJson({ pid, home });
        else printLine(`queuectl daemon started in the background (pid ${pid}); stop it with: queuectl worker stop`);
        return;
      }
      if (decision.reason) note(`queuectl: running the headless daemon: ${decision.reason}`);
      process.exitCode = await runForeground(args);
    });

  worker
    .command('stop')
    .description('stop gracefully: start no new jobs, let running ones finish, then exit')
    .option('--timeout <duration>', 'after this long, kill running jobs and put them back to pending (default: config stop_timeout_ms)', duration)
    .option('--json', 'print the stopped daemon as JSON')
    .action(async (opts: { timeout?: number; json?: boolean }) => {
      const client = await RpcClient.connect(resolveHome());
      const { pid } = await client.call('daemon.stop', opts.timeout === undefined ? {} : { timeout_ms: opts.timeout });
      await client.closed();
      await waitForExit(pid);
      if (opts.json) printJson({ stopped: true, pid });
      else printLine(`queuectl daemon stopped (pid ${pid})`);
    });
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

/**
 * Starts the daemon or the desktop app in its own session with output to daemon.log, and waits until it
 * answers hello on the home's socket.
 */
async function startDetached(home: string, command: string, args: string[], env: NodeJS.ProcessEnv, what: string, timeoutMs: number): Promise<number> {
  const paths = homePaths(home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const out = openSync(paths.daemonLog, 'a', 0o600);
  const child = spawn(command, args, { detached: true, stdio: ['ignore', out, out], env });
  closeSync(out);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? EXIT.failure));
  child.on('error', () => (exited = EXIT.failure));
  child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== null) break;
    try {
      const client = await RpcClient.connect(home);
      const pid = client.hello.pid;
      client.close();
      return pid;
    } catch (err) {
      if (!(err instanceof QueueError && err.code === 'NOT_RUNNING')) throw err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const tail = readFileSync(paths.daemonLog, 'utf8').trim().split('\n').slice(-5).join('\n');
  throw new QueueError('INTERNAL', `${what} did not start${exited !== null ? ` (exit code ${exited})` : ''}; its log says:\n${tail}`);
}

async function waitForExit(pid: number): Promise<void> {
  while (isRunning(pid)) await new Promise((r) => setTimeout(r, 10));
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
