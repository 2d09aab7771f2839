import type { EngineContext } from './context.js';

/** What a bulk clean needs from the engine. */
export type CleanContext = Pick<EngineContext, 'jobLogs' | 'pool' | 'changedMany'>;

/** How far a clean got: jobs deleted so far; kept up to date as it goes, so a caller knows it even when a batch throws. */
export interface CleanTally {
  count: number;
}

/**
 * Runs `batch` (one transaction deleting at most a batch of jobs, answering their ids) until it deletes
 * nothing, or `shouldStop()` says so before a batch (answers false then). The ids of the jobs whose run the
 * pool still has are passed as `keep`, fresh for every batch. After each batch subscribers are told and its
 * logs are deleted (queued synchronously after the commit, so an id enqueued again meanwhile keeps its new
 * log; see JobLogs) and waited for, then the event loop gets a turn: a clean of a million jobs is 200 short
 * transactions with the daemon answering in between, never one long one. A batch that throws (a storage
 * fault) ends the clean with the error; `tally.count` says how many were deleted before.
 */
export async function cleanInBatches(
  ctx: CleanContext,
  batch: (keep: readonly string[]) => Promise<string[]>,
  shouldStop: () => boolean,
  tally: CleanTally,
): Promise<boolean> {
  for (;;) {
    if (shouldStop()) return false;
    const ids = await batch(ctx.pool.running().map((run) => run.jobId));
    if (ids.length === 0) return true;
    tally.count += ids.length;
    const deleting = ctx.jobLogs.deleteLogs(ids); // queues the ids at once, before anything else can run
    ctx.changedMany();
    await deleting;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
