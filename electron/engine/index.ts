import { EventEmitter } from 'node:events';
import { homePaths, type HomePaths } from '../../protocol/node/paths.js';
import { Settings } from './config/settings.js';
import type { EngineContext, HostHooks } from './context.js';
import { dispatch, type DispatchOutcome } from './rpc/dispatch.js';
import type { Session } from './rpc/session.js';
import { acquireLockWaiting, AlreadyRunningError, probeSocket, readPid, type HomeLock } from './lock.js';
import { ensurePrivateDir, prepareHome, refuseUntrustedDataFile } from './home-files.js';
import { HOME_WATCH_INTERVAL_MS, type HomeWatch } from './home-watch.js';
import { orphanLogIds } from './logs/orphans.js';
import { currentRetryDelay } from './backoff.js';
import { Pool } from './pool.js';
import { startRpcServer, type RpcServer } from './rpc/server.js';
import { Scheduler } from './scheduler.js';
import type { SpawnWorker, WorkerHandle } from './spawn.js';
import { openStoreForDaemon, type DaemonStore } from './store/open-for-daemon.js';
import { Checkpoints } from './checkpoints.js';
import { Retention } from './retention.js';
import { CronLoop } from './cron/loop.js';
import { drainForStop } from './graceful-stop.js';
import { FinishHook } from './finish-hook.js';
import type { JobRow } from './store/rows.js';
import { killOrphanRuns } from './orphan-runs.js';
import { EventHub } from './events/hub.js';
import { JobLogs } from './logs/job-logs.js';
import { PauseSwitch } from './pause.js';
import { createWebUi } from './web/index.js';

export { AlreadyRunningError } from './lock.js';
export type { SpawnWorker, WorkerHandle } from './spawn.js';
export type { HostHooks } from './context.js';
export type { DispatchOutcome } from './rpc/dispatch.js';
export type { Session } from './rpc/session.js';

/** How long a starting engine waits for a queuectl command that works on the store without a daemon. */
const COMMAND_HOLD_WAIT_MS = 30_000;

export interface EngineOptions {
  home: string;
  spawnWorker: SpawnWorker;
  /** Worker count for this start; stored as the `workers` setting. Omit to use the stored setting. */
  workers?: number;
  /** The built dashboard (out/renderer) that `ui.web` serves; null or missing: `ui.web` says to build it. */
  rendererDir?: string | null;
  /** better-sqlite3's compiled addon to load instead of the default (the Electron build, in the desktop app). */
  nativeBinding?: string;
  /** The host's window (desktop app); omit for the headless daemon. */
  host?: HostHooks;
  log?: (message: string) => void;
}

/** A running engine. */
export interface Engine {
  paths: HomePaths;
  /** Emits 'job' (JobRow) after every state change, 'stopping' once a stop begins (whoever asked), 'stopped' once. */
  events: EventEmitter;
  /** Graceful stop: no new jobs; running ones get `timeoutMs` to finish, then are killed and requeued. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** Resolves when the engine has stopped, by request or signal; also when a step of the stop failed (logged). */
  stopped: Promise<void>;
  /** Runs a protocol method for an in-process client (the desktop window, the tray), as the socket would. */
  dispatch(session: Session, method: unknown, params: unknown): Promise<DispatchOutcome>;
  /** Forgets an in-process client that went away (its subscriptions end). */
  dropSession(session: Session): void;
  /** Pauses or resumes the queue, as `queuectl pause` / `resume` do; resolves once applied (a failure is logged). */
  setPaused(paused: boolean): Promise<void>;
  paused(): boolean;
}

/**
 * Starts the queue in `home`: takes the home's lock, opens and migrates the database, recovers runs a crash
 * interrupted, starts the workers, the scheduler and the socket server.
 */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const log = options.log ?? ((m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`));
  const paths = homePaths(options.home);
  // Nothing in the home is followed or trusted blindly (home-files.ts, docs/security.md "A tampered data directory").
  prepareHome(paths.home);
  if (await probeSocket(paths.socket)) throw new AlreadyRunningError(readPid(paths.pidFile));
  ensurePrivateDir(paths.logs, log);
  for (const file of ['', '-wal', '-shm']) refuseUntrustedDataFile(paths.database + file);

  // A queuectl command may hold the home for a moment to work on the store without a daemon (in-process.ts).
  const release = await acquireLockWaiting(paths, log, { daemon: true, waitMs: COMMAND_HOLD_WAIT_MS });
  let opened: DaemonStore | null = null;
  const cleanups: Array<() => void> = [];
  try {
    opened = await openStoreForDaemon(paths, log, options.nativeBinding);
    return await run(opened, paths, options, log, release, cleanups);
  } catch (err) {
    for (const cleanup of cleanups.reverse()) cleanup();
    await opened?.store.close();
    release.release();
    throw err;
  }
}

/**
 * The host's workers, with each run's log made safe to write first (JobLogs.prepareRun: logs/ made again if
 * deleted, a planted link replaced); nothing is prepared once the database was lost (the home may not be ours).
 */
function preparingLogs(spawnWorker: SpawnWorker, jobLogs: JobLogs, watch: HomeWatch): SpawnWorker {
  return (workerId) => {
    const handle = spawnWorker(workerId);
    const wrapped: WorkerHandle = {
      get pid() {
        return handle.pid;
      },
      send: (message) => {
        if (message.type === 'run' && !watch.isLost) jobLogs.prepareRun(message.logPath);
        handle.send(message);
      },
      onMessage: (listener) => handle.onMessage(listener),
      onExit: (listener) => handle.onExit(listener),
      kill: () => handle.kill(),
    };
    return wrapped;
  };
}

/** The engine on an open store; anything that needs undoing if start-up fails goes into `cleanups`. */
async function run(
  { store, sqlite, watch }: DaemonStore,
  paths: HomePaths,
  options: EngineOptions,
  log: (message: string) => void,
  release: HomeLock,
  cleanups: Array<() => void>,
): Promise<Engine> {
  const settings = await Settings.load(store, log);
  if (options.workers !== undefined) await settings.set('workers', options.workers);

  const events = new EventEmitter();
  events.setMaxListeners(0);
  const jobLogs = new JobLogs({ dir: paths.logs, running: () => pool.running(), log });
  const hub = new EventHub({ store, workers: () => pool.info(), logsDir: paths.logs, logs: jobLogs, log });
  cleanups.push(() => hub.close());
  const finishHook = new FinishHook({
    home: paths.home,
    logsDir: paths.logs,
    store,
    settings,
    isRunning: (id) => pool.running().some((job) => job.jobId === id),
    log,
  });
  cleanups.push(() => finishHook.kill());
  /** Tells everyone who listens that a job changed: the host's 'job' event, subscribers, on_finish. */
  const announce = (row: JobRow): void => {
    events.emit('job', row);
    hub.jobChanged(row);
    finishHook.jobChanged(row); // runs on_finish when a run ended (completed, failed, dead, canceled)
  };

  const pool: Pool = new Pool(preparingLogs(options.spawnWorker, jobLogs, watch), {
    onIdle: () => scheduler.dispatch(),
    onFinished: (_workerId, result) => scheduler.finished(result),
    onCrashed: (_workerId, job, code, signal) => scheduler.crashed(job, code, signal),
    onStarted: (_workerId, job) => scheduler.started(job),
    onWorkersChanged: () => hub.workersChanged(),
    log,
  });
  const scheduler = new Scheduler(store, pool, settings, paths.logs, announce, log);
  cleanups.push(() => scheduler.halt());

  const recovered = await store.recover(Date.now(), currentRetryDelay(settings));
  killOrphanRuns(recovered.orphanRuns, log);
  for (const row of recovered.jobs) {
    // A job canceled because its parent's interrupted run left that parent dead: last_error names the parent.
    log(row.state === 'canceled' ? `recovered job ${row.id}: ${row.last_error}` : `recovered job ${row.id}: its run was interrupted; now ${row.state}`);
    finishHook.jobChanged(row);
  }
  const orphans = await orphanLogIds(paths.logs, async (id) => (await store.getJob(id)) !== null);
  if (orphans.length > 0) {
    log(`deleting ${orphans.length} log file(s) whose jobs no longer exist (left by a crash during clean, retention or remove)`);
    void jobLogs.deleteLogs(orphans); // queued now: an id enqueued again meanwhile never inherits its old log
  }
  const pause = new PauseSwitch(store, scheduler, hub, log);
  await pause.restore();
  await pause.recoveredDead(recovered.jobs);
  /** Runs what was set off without a caller to answer (an announcement); a failure is logged. */
  const inBackground = (what: string, work: Promise<unknown>): void => {
    work.catch((err: unknown) => log(`${what} failed: ${err instanceof Error ? err.message : String(err)}`));
  };
  scheduler.onQueuePaused = (queue, jobId) => inBackground(`announcing queue ${queue} paused`, pause.pausedOnDead(queue, jobId));
  // Jobs made due by another connection (PostgreSQL: an enqueue from elsewhere); SQLite never calls it.
  const stopListening = await store.onJobsChanged(() => scheduler.wake());
  cleanups.push(() => void stopListening());

  let stopping = false;
  /** Set when the stop closes the servers: `dispatch` refuses every call from then on (ctx.closing). */
  let closing = false;
  let stopPromise: Promise<void> | null = null;
  let stopDeadline = Infinity;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));

  const ctx: EngineContext = {
    paths,
    store,
    settings,
    runsJobs: true,
    pool,
    hub,
    jobLogs,
    web: { start: () => web.start() },
    host: options.host ?? null,
    startedAt: Date.now(),
    log,
    stopping: () => stopping,
    closing: () => closing,
    changed: (row) => {
      announce(row);
      if (row.state === 'pending' || row.state === 'canceled') scheduler.wake();
    },
    changedMany: () => {
      hub.bulkChanged();
      scheduler.wake();
    },
    setPaused: (paused) => pause.set(paused),
    setQueuePaused: (queue, paused) => pause.setQueue(queue, paused),
    queuesChanged: () => {
      inBackground('announcing the queues', pause.announce());
      scheduler.wake();
    },
    schedulesChanged: () => cron.rearm(),
    stop: (opts) => stop(opts),
  };
  const cron = new CronLoop({ store, settings, fired: (row) => ctx.changed(row), log });
  cleanups.push(() => cron.stop());
  const web = createWebUi({ ctx, rendererDir: options.rendererDir ?? null, log });
  cleanups.push(() => void web.close());
  const server: RpcServer = await startRpcServer(ctx, log);
  cleanups.push(() => void server.close());
  const repairs = {
    'the logs directory': () => jobLogs.ensureDir(),
    'the pid file': () => release.restorePid(),
    'the lock file': () => release.restoreLockFile(),
    'the socket': () => server.ensureSocket(),
  };
  const watching = setInterval(() => watch.tick(repairs), HOME_WATCH_INTERVAL_MS);
  watching.unref();
  cleanups.push(() => clearInterval(watching));

  const retention = new Retention(ctx);
  cleanups.push(() => retention.stop());
  const checkpoints = sqlite && new Checkpoints(sqlite);
  checkpoints?.every(settings.get('save_interval_ms'));
  settings.onChange((key) => {
    if (stopping) return;
    if (key === 'workers') pool.resize(settings.get('workers'));
    if (key === 'tick_interval_ms') scheduler.restartPoll();
    if (key === 'save_interval_ms') checkpoints?.every(settings.get('save_interval_ms'));
    scheduler.wake();
  });

  /** Graceful stop; a second call with a shorter timeout brings the kill-and-requeue moment closer. */
  function stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Math.min(stopDeadline, Date.now() + (opts.timeoutMs ?? settings.get('stop_timeout_ms')));
    if (deadline < stopDeadline) hub.stopping(pool.busyCount(), deadline);
    stopDeadline = deadline;
    if (stopPromise) return stopPromise;
    stopping = true;
    clearInterval(watching);
    events.emit('stopping');
    retention.stop();
    cron.stop();
    /** A step that throws is logged and the stop goes on: the lock is always released and `stopped` resolves. */
    const step = async (what: string, run: () => unknown): Promise<void> => {
      try {
        await run();
      } catch (err) {
        log(`stop: ${what} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    };
    stopPromise = (async () => {
      await step('letting running jobs finish', () => drainForStop({ pool, scheduler, log, deadline: () => stopDeadline }));
      await step('letting on_finish hooks finish', () => finishHook.stop());
      checkpoints?.stop();
      closing = true;
      await step('closing the servers', () => Promise.all([server.close(), web.close()]));
      hub.close();
      await step('the final checkpoint', () => {
        if (checkpoints && !checkpoints.run('TRUNCATE')) log('final checkpoint failed: the database could not be written');
      });
      await step('no longer listening for jobs made due elsewhere', () => stopListening());
      await step('closing the database', () => store.close());
      release.release();
      log('stopped');
      events.emit('stopped');
      resolveStopped();
    })();
    return stopPromise;
  }

  pool.resize(settings.get('workers'));
  scheduler.start();
  retention.start();
  cron.start();
  log(`queuectl engine started in ${paths.home} (pid ${process.pid}, ${settings.get('workers')} workers)`);
  return {
    paths,
    events,
    stop,
    stopped,
    dispatch: (session, method, params) => dispatch(ctx, session, method, params, log),
    dropSession: (session) => hub.drop(session),
    setPaused: async (paused) => {
      if (closing) log(`ignored ${paused ? 'pause' : 'resume'}: the queue is stopping`);
      else await pause.set(paused).catch((err: unknown) => log(`${paused ? 'pause' : 'resume'} failed: ${err instanceof Error ? err.message : String(err)}`));
    },
    paused: () => pause.paused(),
  };
}
