import { JOB_STATES, PRODUCT_VERSION, type JobState, type ResultOf, type StoreInfo } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { isStorageError } from '../../store/storage-error.js';

type StoreRead = Pick<ResultOf<'status'>, 'paused' | 'paused_since' | 'queues' | 'counts'>;

/** What `status` reads from the store, or why it could not (a store out of reach; any other error is thrown). */
async function readStore(ctx: EngineContext): Promise<StoreRead | { failed: string }> {
  if (!ctx.store.health().available) return { failed: 'the store did not answer' };
  try {
    const [pause, queues, counts] = await Promise.all([ctx.store.pauseState(), ctx.store.queueInfos(), ctx.store.counts()]);
    return { paused: pause.paused, paused_since: pause.since === null ? null : new Date(pause.since).toISOString(), queues, counts };
  } catch (err) {
    if (!isStorageError(err)) throw err;
    return { failed: err instanceof Error ? err.message : String(err) };
  }
}

/** The part of the answer that is not read: nothing paused, no queues, every count 0 (StoreInfo.available says why). */
function notRead(): StoreRead {
  return { paused: false, paused_since: null, queues: [], counts: Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number> };
}

/**
 * The daemon's summary. A user asks for it exactly when something is wrong, so a store out of reach does not
 * fail it: it answers what the daemon knows (its workers, the store's health) with the store's part marked
 * unavailable (StoreInfo.available) instead of read.
 */
export async function status(ctx: EngineContext): Promise<ResultOf<'status'>> {
  const now = Date.now();
  const read = await readStore(ctx);
  const health = ctx.store.health();
  const failed = 'failed' in read ? read.failed : null;
  const available = failed === null && health.available;
  const store: StoreInfo = {
    kind: ctx.store.kind,
    display: ctx.store.display,
    available,
    unavailable_since: available ? null : new Date(health.unavailableSince ?? now).toISOString(),
    last_error: available ? null : (health.lastError ?? failed),
  };
  // In a command's own process (no daemon) there is no daemon pid or uptime to report.
  const daemon = ctx.runsJobs;
  return {
    daemon_running: daemon,
    pid: daemon ? process.pid : null,
    version: PRODUCT_VERSION,
    home: ctx.paths.home,
    started_at: daemon ? new Date(ctx.startedAt).toISOString() : null,
    uptime_ms: daemon ? now - ctx.startedAt : null,
    stopping: ctx.stopping(),
    ...(failed === null ? (read as StoreRead) : notRead()),
    has_window: ctx.host !== null,
    workers: ctx.pool.info(),
    store,
  };
}
