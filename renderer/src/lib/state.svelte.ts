import type { JobsEvent, LogEvent } from '../../../protocol/events.js';
import type { JobState } from '../../../protocol/job.js';
import type { QueueInfo, WorkerInfo } from '../../../protocol/methods.js';
import { call, onConnect, onEvent, onStatus, subscribe, type ConnectionStatus } from './bridge.js';
import { throttle } from './throttle.js';

/** What every screen may show about the daemon; fed only by the bridge (events and a status read per connect). */
export interface AppState {
  connection: ConnectionStatus;
  /** Why the connection is down, in words that say what to do (null while it is up or coming up). */
  problem: { code: string; message: string } | null;
  /** Jobs per state; null until the first answer. */
  counts: Record<JobState, number> | null;
  workers: WorkerInfo[];
  daemon: { version: string; pid: number; home: string; started_at: string } | null;
  /** The queue is paused (no job starts; running ones go on), since when (ISO); from status and queue events. */
  paused: boolean;
  pausedSince: string | null;
  /**
   * Every named queue (DEFAULT_QUEUE first) with its own pause state, limit and counts; null until the first
   * answer. From status, queue events and `queue.list` (re-read when jobs name a queue not known yet, and
   * for counts while a screen watches them: see watchQueueCounts).
   */
  queues: QueueInfo[] | null;
  /** The daemon said it is stopping (graceful stop: running jobs finish, nothing new starts). */
  stopping: boolean;
  /** When that stop kills and requeues the runs still going (ISO), from its StoppingEvent; null when not told. */
  stopKillAt: string | null;
  /** When the daemon last told us anything (epoch ms): what the screen shows is as of then once disconnected. */
  seenAt: number;
}

export const app: AppState = $state({
  connection: 'connecting',
  problem: null,
  counts: null,
  workers: [],
  daemon: null,
  paused: false,
  pausedSince: null,
  queues: null,
  stopping: false,
  stopKillAt: null,
  seenAt: Date.now(),
});

/** null stands for "reconnected: anything may have changed". */
type JobsListener = (event: JobsEvent | null) => void;
const jobsListeners = new Set<JobsListener>();
let started = false;

/** Wires the store to the bridge (once) and subscribes to job events. */
export function startApp(): void {
  if (started) return;
  started = true;
  onStatus(({ status, problem }) => {
    // Leaving "connected": the figures on screen stop here.
    if (app.connection === 'connected' && status !== 'connected') app.seenAt = Date.now();
    app.connection = status;
    app.problem = problem ? { code: problem.code, message: problem.message } : null;
  });
  onEvent((event) => {
    if (event.type === 'queue') {
      app.paused = event.paused;
      app.pausedSince = event.paused_since;
      setQueues(event.queues);
      return;
    }
    if (event.type === 'stopping') {
      app.seenAt = Date.now();
      app.stopping = true;
      app.stopKillAt = event.kill_at;
      return;
    }
    if (event.type !== 'jobs') return;
    app.seenAt = Date.now();
    app.counts = event.counts;
    app.workers = event.workers;
    if (countWatchers > 0 || event.truncated || event.jobs.some((j) => !knownQueue(j.queue))) rereadQueues.run();
    for (const listener of jobsListeners) listener(event);
  });
  onConnect(() => {
    void refreshStatus();
    for (const listener of jobsListeners) listener(null);
  });
  void subscribe({ jobs: true }).catch(() => undefined);
}

/** Reads counts and workers afresh (after a connect; events keep them current after that). */
export async function refreshStatus(): Promise<void> {
  try {
    const status = await call('status', {});
    app.seenAt = Date.now();
    app.stopping = status.stopping;
    if (!status.stopping) app.stopKillAt = null;
    app.counts = status.counts;
    app.workers = status.workers;
    const { pid, started_at } = status;
    // Only a daemon serves the dashboard, so these are set (they are null for a command run without one).
    app.daemon = pid !== null && started_at !== null ? { version: status.version, pid, home: status.home, started_at } : null;
    app.paused = status.paused;
    app.pausedSince = status.paused_since;
    setQueues(status.queues);
  } catch {
    // The connection state already says what is wrong.
  }
}

/** Reads the named queues afresh (counts change with every job event, which does not carry them per queue). */
export async function refreshQueues(): Promise<void> {
  const stamp = queuesStamp;
  try {
    const { queues } = await call('queue.list', {});
    // A queue event or status answer that arrived meanwhile is at least as new: keep it.
    if (stamp === queuesStamp) setQueues(queues);
  } catch {
    // The connection state already says what is wrong; the queues shown stay as they were.
  }
}

/** Puts one queue's new state (the answer to a pause, resume or set) into the store. */
export function applyQueue(info: Pick<QueueInfo, 'name'> & Partial<QueueInfo>): void {
  if (!app.queues) return;
  const index = app.queues.findIndex((q) => q.name === info.name);
  if (index >= 0) app.queues[index] = { ...app.queues[index]!, ...info };
  else void refreshQueues();
}

/** Bumped by every complete list of queues written to the store. */
let queuesStamp = 0;

function setQueues(queues: QueueInfo[]): void {
  queuesStamp++;
  app.queues = queues;
}

function knownQueue(name: string): boolean {
  return app.queues?.some((q) => q.name === name) ?? true;
}

const rereadQueues = throttle(() => void refreshQueues(), 1000);
let countWatchers = 0;

/**
 * Keeps the queues' counts current while a screen shows them: job events then re-read `queue.list` (at most
 * once a second). Returns the function that stops watching.
 */
export function watchQueueCounts(): () => void {
  countWatchers++;
  rereadQueues.run();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    countWatchers--;
  };
}

/** Calls `listener` for every JobsEvent, and with null after a reconnect. Returns the function that stops. */
export function onJobsChange(listener: JobsListener): () => void {
  jobsListeners.add(listener);
  return () => jobsListeners.delete(listener);
}

/**
 * Follows one job's log from `offset`: the daemon sends what is there, then new output as it is written,
 * then a last event with `ended`. Returns the function that stops following (back to job events only).
 * `onError` hears when the daemon refused to follow (the job is gone).
 */
export function followLog(id: string, offset: number, onLog: (event: LogEvent) => void, onError: (err: unknown) => void): () => void {
  const off = onEvent((event) => {
    if (event.type === 'log' && event.id === id) onLog(event);
  });
  subscribe({ jobs: true, log: { id, offset } }).catch(onError);
  return () => {
    off();
    void subscribe({ jobs: true }).catch(() => undefined);
  };
}
