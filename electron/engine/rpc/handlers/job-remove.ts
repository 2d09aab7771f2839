import { QueueError, isTerminal, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { asParams } from '../params.js';
import { resolveSelectedIds } from '../selected-ids.js';

/**
 * Deletes finished jobs (completed, dead, canceled) with their attempts in one transaction, all named or
 * none, then their logs (through JobLogs.removeJobs, so an enqueue reusing one of the ids waits for it). Answers
 * once the logs are gone.
 *
 * A canceled job whose run is still being killed (SIGTERM, then SIGKILL 2 s later) is refused: its row must
 * outlive the run, or a new job enqueued with the same id would receive the old run's result.
 */
export async function jobRemove(ctx: EngineContext, raw: unknown): Promise<ResultOf<'job.remove'>> {
  const ids = await resolveSelectedIds(ctx.store, asParams(raw).ids, 'ids');
  const running = new Set(ctx.pool.running().map((run) => run.jobId));
  if (ids.some((id) => running.has(id))) {
    for (const id of ids) {
      const state = (await ctx.store.getJob(id))?.state;
      // The first job that is missing or not finished is refused by the transition, with its own message.
      if (state === undefined || !isTerminal(state)) break;
      if (running.has(id)) throw new QueueError('INVALID_STATE', `job ${id} is still being stopped; try again in a moment`, { id, state });
    }
  }
  const { done: removed, logsDeleted } = await ctx.jobLogs.removeJobs(ids, () => ctx.store.remove(ids));
  ctx.changedMany();
  await logsDeleted;
  return { removed };
}
