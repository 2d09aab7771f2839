import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { validateSpec } from '../../job-spec.js';
import { toJob } from '../../store/rows.js';
import { asParams } from '../params.js';
import { resolveParents } from '../parents.js';

/**
 * Stores one job (committed before the answer) and wakes the scheduler. A chosen id that a removed job
 * had: that job's log is deleted first, after any removal of the id under way (see JobLogs.beforeEnqueue), so
 * the new job's log starts empty and no removal deletes it.
 * Parents (`after`) are resolved first; with one already dead or canceled the job is answered canceled.
 */
export async function enqueue(ctx: EngineContext, raw: unknown): Promise<ResultOf<'enqueue'>> {
  const params = asParams(raw);
  if (params.job === undefined) throw new QueueError('INVALID_ARGUMENT', 'job is required');
  const valid = validateSpec(params.job, ctx.settings);
  return await ctx.jobLogs.beforeEnqueue(valid.id === null ? [] : [valid.id], async () => {
    await refuseIdsInUse(ctx, [valid.id], false);
    const [spec] = await resolveParents(ctx.store, [valid], null);
    const row = await ctx.store.enqueue(spec!, Date.now());
    ctx.changed(row);
    return { job: toJob(row, ctx.paths.logs) };
  });
}

/**
 * A chosen id whose job is gone but whose run the pool still has (a run being killed): a new job with it
 * would receive that run's result (results are matched by id and attempt number), so it is refused.
 * job.remove refuses such jobs, so this is a last line of defence. A job that exists is DUPLICATE_ID.
 */
export async function refuseIdsInUse(ctx: EngineContext, ids: ReadonlyArray<string | null>, batch: boolean): Promise<void> {
  if (ids.every((id) => id === null)) return;
  const running = ctx.pool.running();
  if (running.length === 0) return;
  const runningIds = new Set(running.map((run) => run.jobId));
  for (const [index, id] of ids.entries()) {
    if (id === null || !runningIds.has(id) || (await ctx.store.getJob(id)) !== null) continue;
    const message = `job id "${id}" is still in use by a run that is being stopped; try again in a moment`;
    if (!batch) throw new QueueError('INVALID_STATE', message, { id });
    throw new QueueError('INVALID_STATE', `job ${index + 1} of the batch: ${message}`, { id, index });
  }
}
