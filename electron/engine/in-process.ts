import { QueueError } from '../../protocol/index.js';
import { daemonHoldingHome } from '../../protocol/node/daemon-holder.js';
import type { LocalQueue, OpenLocalQueue } from '../../protocol/node/local-queue.js';
import { homePaths } from '../../protocol/node/paths.js';
import { Settings } from './config/settings.js';
import type { EngineContext, EventHub, Runs } from './context.js';
import { ensurePrivateDir, prepareHome, refuseUntrustedDataFile } from './home-files.js';
import { acquireLockWaiting, AlreadyRunningError, probeSocket } from './lock.js';
import { JobLogs } from './logs/job-logs.js';
import { PauseSwitch } from './pause.js';
import { dispatch } from './rpc/dispatch.js';
import type { Session } from './rpc/session.js';
import { openStoreForCommand } from './store/open-for-daemon.js';

/**
 * A queuectl command with no daemon to talk to runs its method here, in its own process, through the same
 * `dispatch` and handlers as the daemon (one code path): the store, the settings and the jobs' logs, with no
 * workers, scheduler, cron loop, socket or web server. It holds the home's lock (without daemon.pid) while
 * the store is open, so a daemon that starts meanwhile waits for it (lock.ts `acquireLockWaiting`) and
 * nothing is ever written by two processes. Nobody listens, so nothing is announced; the jobs stored run
 * when a daemon starts (its scheduler looks at start-up). Bundled as out/node/local.js; the CLI imports it
 * only when no daemon answers (cli/client.ts).
 */
export const openLocalQueue: OpenLocalQueue = async (home, { waitMs }) => {
  const paths = homePaths(home);
  /** What the daemon would write to its log; a command has no log, and its answer says what matters. */
  const quiet = (): void => {};
  prepareHome(paths.home);
  ensurePrivateDir(paths.logs, quiet);
  for (const file of ['', '-wal', '-shm']) refuseUntrustedDataFile(paths.database + file);
  let lock;
  try {
    lock = await acquireLockWaiting(paths, quiet, { daemon: false, waitMs });
  } catch (err) {
    if (!(err instanceof AlreadyRunningError)) throw err;
    if (daemonHoldingHome(paths) !== null || (await probeSocket(paths.socket))) return 'daemon';
    throw new QueueError('INTERNAL', `another queuectl command kept ${paths.home} busy for over ${Math.round(waitMs / 1000)} s; nothing was done. Try again`);
  }
  let store;
  let settings;
  try {
    store = await openStoreForCommand(paths);
  } catch (err) {
    lock.release();
    throw err;
  }
  try {
    settings = await Settings.load(store, quiet);
  } catch (err) {
    await store.close();
    lock.release();
    throw err;
  }
  const jobLogs = new JobLogs({ dir: paths.logs, running: () => [], log: quiet });
  const hub: EventHub & { queueChanged(): void } = { subscribe: () => ({ jobs: false, log: null }), drop: () => {}, queueChanged: () => {} };
  const pause = new PauseSwitch(store, { setPaused: () => {}, wake: () => {} }, hub, quiet);
  const ctx: EngineContext = {
    paths,
    store,
    settings,
    pool: NO_RUNS,
    runsJobs: false,
    hub,
    jobLogs,
    web: { start: () => Promise.reject(needsDaemon('the web dashboard')) },
    host: null,
    startedAt: Date.now(),
    log: quiet,
    stopping: () => false,
    closing: () => false,
    changed: () => {},
    changedMany: () => {},
    setPaused: (paused) => pause.set(paused),
    setQueuePaused: (queue, paused) => pause.setQueue(queue, paused),
    queuesChanged: () => {},
    schedulesChanged: () => {},
    stop: () => Promise.reject(needsDaemon('stopping')),
  };
  const session: Session = { push: () => {} };
  const local: LocalQueue = {
    call: (method, params) => dispatch(ctx, session, method, params, quiet),
    autostart: settings.get('autostart') === 1,
    close: async () => {
      await store.close();
      lock.release();
    },
  };
  return local;
};

/** No worker runs anything in a command's process. */
const NO_RUNS: Runs = {
  running: () => [],
  info: () => [],
  kill: () => false,
  untilGone: async () => true,
  markStopRequester: () => false,
};

function needsDaemon(what: string): QueueError {
  return new QueueError('NOT_RUNNING', `${what} needs a running daemon; start one with: queuectl worker start`);
}
