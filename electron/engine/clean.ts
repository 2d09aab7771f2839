import type { EngineContext } from './context.js';
import { isStorageError, StorageLostError, StoreUnavailableError } from './store/storage-error.js';

/** What a bulk clean needs from the engine. */
export type CleanContext = Pick<EngineContext, 'jobLogs' | 'pool' | 'changedMany'>;

/** How far a clean got: jobs deleted so far; kept up to date as it goes, so a caller knows it even when a batch throws. */
export interface CleanTally {
  count: number;
}

/**
 * Runs `batch` (one transaction deleting at most a batch of jobs, answering their ids) until it deletes
 * nothing, or `shouldStop()` says so before a batch (answers false then). The ids of the jobs whose run the
 * pool still has are passed as `keep`, fresh for every batch. Each batch goes through JobLogs.removeJobs (its
 * ids are known only from its commit, so an enqueue of a chosen id waits for the batch, and then finds the old
 * log queued and deletes it first); then subscribers are told, its logs' deletion is waited for, and the event
 * loop gets a turn: a clean of a million jobs is 200 short transactions with the daemon answering in between,
 * never one long one. A batch that throws (a storage fault) ends the clean with the error; `tally.count` says
 * how many were deleted before.
 */
export async function cleanInBatches(
  ctx: CleanContext,
  batch: (keep: readonly string[]) => Promise<string[]>,
  shouldStop: () => boolean,
  tally: CleanTally,
): Promise<boolean> {
  for (;;) {
    if (shouldStop()) return false;
    const { done: ids, logsDeleted } = await ctx.jobLogs.removeJobs(null, () => batch(ctx.pool.running().map((run) => run.jobId)));
    if (ids.length === 0) return true;
    tally.count += ids.length;
    ctx.changedMany();
    await logsDeleted;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** A storage fault that cut a clean short, in words true after earlier batches were deleted. */
export interface CleanFault {
  /** What went wrong: the store's own reason. */
  cause: string;
  /** What became of the jobs not deleted yet. */
  kept: string;
  /** What to do, as a sentence. */
  advice: string;
}

/**
 * A storage fault as a clean (or retention) tells it after deleting some batches: the store's own reason
 * without its "nothing was changed", which is true of the failed batch only. Null for any other error.
 */
export function cleanFault(err: unknown): CleanFault | null {
  if (err instanceof StoreUnavailableError) {
    return {
      cause: `the store became unavailable (${err.reason})`,
      // The connection broke during the batch's commit: only the server knows whether it landed.
      kept: err.outcome === 'unknown' ? 'the batch being committed then may have been deleted or not, the rest were kept' : 'the rest were kept',
      advice: 'Run clean again once the database answers',
    };
  }
  if (err instanceof StorageLostError) {
    return {
      cause: `${err.what} under the running daemon`,
      kept: 'the rest were kept',
      advice: 'This daemon accepts no more work: restart it (queuectl worker stop, then queuectl worker start), then run clean again',
    };
  }
  if (!isStorageError(err)) return null;
  const { code, message } = err as Error & { code: string };
  return {
    cause: `the database could not be written (${code}: ${message})`,
    kept: 'the rest were kept',
    advice: 'Free disk space or fix permissions on the data directory, then run clean again',
  };
}
