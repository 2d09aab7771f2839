import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { homePaths, type HomePaths } from '../../protocol/node/paths.js';
import { Settings } from './config/settings.js';
import type { EngineContext } from './context.js';
import { acquireLock } from './lock.js';
import { Pool } from './pool.js';
import { startRpcServer, type RpcServer } from './rpc/server.js';
import { Scheduler } from './scheduler.js';
import type { SpawnWorker } from './spawn.js';
import { createStore } from './store/index.js';
import { openDatabase, setAutoCheckpoint } from './store/open.js';
import { isStorageError } from './store/storage-error.js';
import type { JobRow } from './store/rows.js';
import { killTree } from './worker/kill-tree.js';

export { AlreadyRunningError } from './lock.js';
export type { SpawnWorker, WorkerHandle } from './spawn.js';

export interface EngineOptions {
  home: string;
  spawnWorker: SpawnWorker;
  /** Worker count for this start; stored as the `workers` setting. Omit to use the stored setting. */
  workers?: number;
  log?: (message: string) => void;
}

/** A running engine. */
export interface Engine {
  paths: HomePaths;
  /** Emits 'job' (JobRow) after every state change, and 'stopped' once. */
  events: EventEmitter;
  /** Graceful stop: no new jobs; running ones get `timeoutMs` to finish, then are killed and requeued. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** Resolves when the engine has stopped, by request or signal. */
  stopped: Promise<void>;
}

/**
 * Starts the queue in `home`: takes the home's lock, opens and migrates the database, recovers runs a crash
 * interrupted, starts the workers, the scheduler and the socket server.
 */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const log = options.log ?? ((m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`));
  const paths = homePaths(options.home);
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  chmodSync(paths.home, 0o700);
  mkdirSync(paths.logs, { recursive: true, mode: 0o700 });

  const release = acquireLock(paths.lockFile, paths.pidFile);
  let db: Database.Database;
  try {
    db = openDatabase(paths.database);
  } catch (err) {
    release();
    throw err;
  }
  const store = createStore(db);
  const settings = new Settings(db, log);
  if (options.workers !== undefined) settings.set('workers', options.workers);
  setAutoCheckpoint(db, settings.get('save_interval_ms') > 0);

  const events = new EventEmitter();
  events.setMaxListeners(0);
  let stopping = false;
  let stopPromise: Promise<void> | null = null;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));

  const changed = (row: JobRow): void => {
    events.emit('job', row);
  };

  const pool = new Pool(options.spawnWorker, {
    onIdle: () => scheduler.dispatch(),
    onFinished: (_workerId, result) => scheduler.finished(result),
    onCrashed: (_workerId, job, code, signal) => scheduler.crashed(job, code, signal),
    onStarted: (_workerId, job) => scheduler.started(job),
    log,
  });
  const scheduler = new Scheduler(store, pool, settings, paths.logs, changed, log);

  const recovered = store.recover(Date.now(), scheduler.retryDelay);
  for (const pgid of recovered.orphanGroups) if (killTree(pgid, 'SIGKILL')) log(`killed process group ${pgid} left by a crashed run`);
  for (const row of recovered.jobs) log(`recovered job ${row.id}: its run was interrupted; now ${row.state}`);

  let checkpointTimer: NodeJS.Timeout | null = null;
  const checkpoint = (): void => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      if (!isStorageError(err)) throw err;
    }
  };
  const restartCheckpoints = (): void => {
    if (checkpointTimer) clearInterval(checkpointTimer);
    const every = settings.get('save_interval_ms');
    setAutoCheckpoint(db, every > 0);
    checkpointTimer = every > 0 ? setInterval(checkpoint, every) : null;
  };
  restartCheckpoints();

  settings.onChange((key) => {
    if (key === 'workers') pool.resize(settings.get('workers'));
    if (key === 'tick_interval_ms') scheduler.restartPoll();
    if (key === 'save_interval_ms') restartCheckpoints();
    scheduler.wake();
  });

  const ctx: EngineContext = {
    paths,
    store,
    settings,
    pool,
    scheduler,
    startedAt: Date.now(),
    stopping: () => stopping,
    changed: (row) => {
      changed(row);
      if (row.state === 'pending' || row.state === 'canceled') scheduler.wake();
    },
    stop: (opts) => stop(opts),
  };

  let server: RpcServer;
  try {
    server = await startRpcServer(ctx, log);
  } catch (err) {
    db.close();
    release();
    throw err;
  }

  /** When running jobs get killed and requeued; a second stop request can bring it closer. */
  let stopDeadline = Infinity;

  async function stop(opts: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? settings.get('stop_timeout_ms');
    stopDeadline = Math.min(stopDeadline, Date.now() + timeoutMs);
    if (stopPromise) return stopPromise;
    stopping = true;
    stopPromise = (async () => {
      scheduler.halt();
      log(`stopping: ${pool.busyCount()} running job(s) get ${timeoutMs} ms to finish`);
      await waitUntil(() => pool.busyCount() === 0, () => stopDeadline);
      const left = pool.running();
      if (left.length) {
        log(`stop timeout: killing and requeuing ${left.map((j) => j.jobId).join(', ')}`);
        for (const job of left) pool.kill(job.jobId, 'requeued');
        const killDeadline = Date.now() + 5000;
        await waitUntil(() => pool.busyCount() === 0, () => killDeadline);
      }
      await pool.shutdown(3000);
      if (!scheduler.flushUnrecorded()) {
        log(`${scheduler.unrecordedCount} run result(s) could not be written; start-up recovery will retry those jobs`);
      }
      if (checkpointTimer) clearInterval(checkpointTimer);
      await server.close();
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch (err) {
        log(`final checkpoint failed: ${(err as Error).message}`);
      }
      db.close();
      release();
      log('stopped');
      events.emit('stopped');
      resolveStopped();
    })();
    return stopPromise;
  }

  pool.resize(settings.get('workers'));
  scheduler.start();
  log(`queuectl engine started in ${paths.home} (pid ${process.pid}, ${settings.get('workers')} workers)`);
  return { paths, events, stop, stopped };
}

/** Polls `done` until it holds or the (movable) deadline passes. */
async function waitUntil(done: () => boolean, deadline: () => number): Promise<void> {
  while (!done() && Date.now() < deadline()) await new Promise((r) => setTimeout(r, 25));
}
