import type { ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { asParams } from '../params.js';

/**
 * Deletes every dead job with its attempts in one transaction, then their logs; answers how many.
 *
 * Unlike job.remove, nothing here waits for a run to end: a job only becomes dead by recording a run's
 * result (the pool lets go of the run before reporting it) or at start-up recovery (no runs yet), so no
 * worker runs a dead job.
 */
export async function dlqPurge(ctx: EngineContext, raw?: unknown): Promise<ResultOf<'dlq.purge'>> {
  asParams(raw);
  // Which ids go is known only from the commit: enqueues of chosen ids wait for it (JobLogs.removeJobs).
  const { done: removed, logsDeleted } = await ctx.jobLogs.removeJobs(null, () => ctx.store.purgeDead());
  if (removed.length > 0) ctx.changedMany();
  await logsDeleted;
  return { count: removed.length };
}
