import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { defaultConfig, formatDuration, parseStoreChoice, QueueError, STORE_ENV, storeChoiceText } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { daemonHoldingHome } from '../../protocol/node/daemon-holder.js';
import { homePaths, resolveHome } from '../../protocol/node/paths.js';
import { startDesktop, startDetached } from '../daemon-start.js';
import { appRoot, daemonEntry, launchDecision } from '../launch.js';
import { note, printJson, printLine } from '../output.js';
import { duration, integer } from '../parse.js';
import { beforeDeadline, waitForExit } from '../wait-for-exit.js';

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
    .option(
      '--store <store>',
      `where the queue is kept: sqlite (a file in the home) or postgres://user@host/db; remembered for later starts (default: ${STORE_ENV}, else the last one chosen, else sqlite)`,
    )
    .option('--json', 'with --detach or the desktop app: print pid and home as JSON')
    .action(async (opts: { count?: number; headless?: boolean; detach?: boolean; json?: boolean; store?: string }) => {
      const home = resolveHome();
      // Checked here so that a malformed value is exit 2 before anything starts; the daemon checks again.
      const store = storeFor(opts.store);
      await refuseIfRunning(home);
      const count = opts.count ? ['--count', String(opts.count)] : [];
      // The started process gets the choice in its environment, not its argv (other users can read argv).
      const env = store === null ? process.env : { ...process.env, [STORE_ENV]: store };
      const decision = launchDecision(opts);
      if (decision.mode === 'desktop') {
        const started = await startDesktop(home, decision.electron, [appRoot(), ...count], undefined, env);
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
      if (opts.detach) {
        const pid = await startDetached(home, process.execPath, [daemonEntry(), ...count], env, 'the daemon', 15_000);
        if (opts.json) printJson({ pid, home });
        else printLine(`queuectl daemon started in the background (pid ${pid}); stop it with: queuectl worker stop`);
        return;
      }
      await runHere([...count, ...(store === null ? [] : ['--store', store])]);
    });

  worker
    .command('stop')
    .description('stop gracefully: start no new jobs, let running ones finish, then exit')
    .option('--timeout <duration>', 'after this long, kill running jobs and put them back to pending (default: config stop_timeout_ms)', duration)
    .option('--json', 'print the stopped daemon as JSON')
    .action(async (opts: { timeout?: number; json?: boolean }) => {
      const home = resolveHome();
      const client = await connectOrNull(home);
      if (client === null) return stopBySignal(home, opts);
      const timeoutMs = opts.timeout ?? (await configuredStopTimeout(client));
      // Run by a job (QUEUECTL_JOB_ID set by its daemon): the stop does not wait for this job (docs/jobs.md, "Process lifetime").
      const asker = process.env.QUEUECTL_JOB_ID ? { job_id: process.env.QUEUECTL_JOB_ID } : {};
      const { pid } = await client.call('daemon.stop', { ...(opts.timeout === undefined ? {} : { timeout_ms: opts.timeout }), ...asker });
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

/**
 * The headless daemon in the foreground is this very process (out/node/daemon.js's `runDaemon`, loaded only
 * now): the pid the user or a supervisor holds is the daemon's, kill -9 of it leaves nothing behind, and
 * SIGTERM/SIGINT is its graceful stop. It exits when the daemon has stopped.
 */
async function runHere(args: string[]): Promise<never> {
  const { runDaemon } = (await import(/* @vite-ignore */ pathToFileURL(daemonEntry()).href)) as { runDaemon(args: string[]): Promise<number> };
  process.exit(await runDaemon(args));
}

/**
 * The store `worker start` was told to use (--store, else QUEUECTL_STORE) in its checked spelling, or null
 * when neither says (the daemon then uses the home's remembered choice). Malformed: a usage error, exit 2.
 */
function storeFor(flag: string | undefined): string | null {
  if (flag !== undefined) return storeChoiceText(parseStoreChoice(flag, '--store'));
  const variable = process.env[STORE_ENV];
  return variable ? storeChoiceText(parseStoreChoice(variable, STORE_ENV)) : null;
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

/** `worker start` when a daemon already holds this home (answering or not): an error naming its pid. */
async function refuseIfRunning(home: string): Promise<void> {
  const client = await connectOrNull(home);
  const pid = client?.hello.pid ?? daemonHoldingHome(homePaths(home));
  client?.close();
  if (pid === null) return;
  const silent = client === null ? ` but its socket ${homePaths(home).socket} does not answer` : '';
  throw new QueueError('INVALID_STATE', `queuectl is already running for ${home} (pid ${pid})${silent}; stop it with: queuectl worker stop`);
}

/** A connection to the home's daemon, or null when no socket answers (NOT_RUNNING). */
async function connectOrNull(home: string): Promise<RpcClient | null> {
  try {
    return await RpcClient.connect(home);
  } catch (err) {
    if (err instanceof QueueError && err.code === 'NOT_RUNNING') return null;
    throw err;
  }
}

/**
 * `worker stop` when no socket answers: a daemon that still holds the home (its socket file deleted; it
 * makes it again within a second or two, but it may be stopped or stuck) gets SIGTERM, the graceful stop, as
 * `daemon.stop` would; the pid comes from daemon.pid and is verified to hold the home's database
 * (protocol/node/daemon-holder.ts). No such daemon: NOT_RUNNING, as before.
 */
async function stopBySignal(home: string, opts: { timeout?: number; json?: boolean }): Promise<void> {
  const paths = homePaths(home);
  const pid = daemonHoldingHome(paths);
  if (pid === null) throw new QueueError('NOT_RUNNING', `no queuectl daemon is running for ${home}`);
  note(`queuectl: the daemon (pid ${pid}) does not answer on ${paths.socket}; sending it SIGTERM (a graceful stop with its configured stop_timeout_ms)`);
  process.kill(pid, 'SIGTERM');
  const waitMs = stopWaitMs(opts.timeout ?? defaultConfig().stop_timeout_ms);
  if (!(await waitForExit(pid, Date.now() + waitMs))) {
    throw new QueueError('INTERNAL', `the daemon (pid ${pid}) did not exit within ${formatDuration(waitMs)} of SIGTERM; end it with: kill -9 ${pid}`);
  }
  if (opts.json) printJson({ stopped: true, pid });
  else printLine(`queuectl daemon stopped (pid ${pid})`);
}

