import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { QueueError } from '../protocol/index.js';
import { homePaths, resolveHome } from '../protocol/node/paths.js';
import { AlreadyRunningError, startEngine } from './engine/index.js';
import { chooseStore } from './engine/store/choice.js';
import { forkWorkers } from './daemon/fork-worker.js';
import { DaemonLog } from './daemon/log-file.js';
import { prepareHome } from './engine/home-files.js';

/**
 * The headless host: the engine with child_process workers and no UI, for servers, SSH sessions, CI and
 * tests. Started by `queuectl worker start`; stops gracefully on SIGTERM/SIGINT/SIGHUP; a second signal
 * kills running jobs at once and requeues them.
 * Usage: node daemon.js [--count N] [--store sqlite|postgres://…] [--log-file]
 * --store (else QUEUECTL_STORE, else the home's remembered choice, else sqlite): engine/store/choice.ts. A
 * detached start gets the choice through QUEUECTL_STORE, not argv, which other users can read with ps.
 * --log-file (a detached start): the daemon writes its messages to daemon.log itself, rotated at 10 MiB
 * (daemon/log-file.ts); until it is started they also go to stderr, which the starting CLI reads.
 * `queuectl worker start` in the foreground imports this file and calls `runDaemon` in its own process.
 */
export async function runDaemon(args: string[]): Promise<number> {
  process.umask(0o077);
  let workers: number | undefined;
  let toFile = false;
  let store: string | null = null;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--count' && /^\d+$/.test(args[i + 1] ?? '') && Number(args[i + 1]) >= 1) workers = Number(args[++i]);
    else if (args[i] === '--store' && args[i + 1] !== undefined) store = args[++i]!;
    else if (args[i] === '--log-file') toFile = true;
    else {
      process.stderr.write(`queuectl daemon: unknown argument ${args[i]}\n`);
      return 2;
    }
  }
  const home = resolveHome();
  const logFile = toFile ? openLog(home) : null;
  /** Until the engine answers, messages also reach the starting CLI (stderr); afterwards only the log file. */
  let starting = true;
  /** The engine's lines carry a time on stderr too (as before); every line in the file does. */
  const say = (message: string, stamped = false): void => {
    const line = `${new Date().toISOString()} ${message}`;
    if (logFile) logFile.line(line);
    if (!logFile || starting) process.stderr.write(`${stamped ? line : message}\n`);
  };
  if (logFile) {
    // The CLI that started us stops reading our stderr once we answer; a write there must not kill us.
    process.stderr.on('error', () => {});
    process.stdout.on('error', () => {});
    process.on('uncaughtException', (err) => {
      say(`queuectl daemon: uncaught: ${err.stack ?? err.message}`);
      process.exit(1);
    });
  }
  try {
    chooseStore(home, store, process.env);
  } catch (err) {
    say(`queuectl: ${err instanceof Error ? err.message : String(err)}`);
    return err instanceof QueueError && err.code === 'INVALID_ARGUMENT' ? 2 : 1;
  }
  const workerEntry = fileURLToPath(new URL('./worker.js', import.meta.url));
  const rendererDir = fileURLToPath(new URL('../renderer/', import.meta.url));
  let engine;
  try {
    engine = await startEngine({
      home,
      workers,
      rendererDir,
      spawnWorker: forkWorkers(workerEntry, logFile ? say : undefined),
      log: (message) => say(message, true),
    });
  } catch (err) {
    if (err instanceof AlreadyRunningError) {
      say(`queuectl: ${err.message}; stop it with: queuectl worker stop`);
      return 1;
    }
    say(`queuectl: could not start: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  starting = false;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    say(`queuectl: ${signal}: ${signals === 1 ? 'stopping gracefully (send again to kill and requeue running jobs)' : 'killing and requeuing running jobs'}`);
    void engine.stop(signals === 1 ? {} : { timeoutMs: 0 });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  await engine.stopped;
  return 0;
}

/** daemon.log for a detached daemon; null (stderr only) when it cannot be opened, which is said on stderr. */
function openLog(home: string): DaemonLog | null {
  const path = homePaths(home).daemonLog;
  try {
    prepareHome(home);
    return new DaemonLog(path);
  } catch (err) {
    process.stderr.write(`queuectl daemon: cannot write ${path} (${err instanceof Error ? err.message : String(err)}); logging to stderr\n`);
    return null;
  }
}

/** True when node runs this file itself (`node out/node/daemon.js`), not when the CLI imports it. */
function runDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (runDirectly()) {
  runDaemon(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`queuectl daemon: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
