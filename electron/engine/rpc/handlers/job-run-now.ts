import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toJob } from '../../store/rows.js';
import { asParams, requireString } from '../params.js';

/**
 * "Run now" for a delayed pending job: due at once (the announcement wakes the scheduler). A job in another
 * state, or already due, is INVALID_STATE saying why.
 */
export async function jobRunNow(ctx: EngineContext, raw: unknown): Promise<ResultOf<'job.run_now'>> {
  const id = await ctx.store.resolveId(requireString(asParams(raw), 'id'));
  const row = await ctx.store.runNow(id, Date.now());
  if (!row) {
    const job = await ctx.store.getJob(id);
    const why = job?.state === 'pending' ? 'already due: it runs as soon as a worker is free' : `${job?.state}; only a pending job waiting for its run time can be run now`;
    throw new QueueError('INVALID_STATE', `job ${id} is ${why}`, { id, state: job?.state });
  }
  ctx.changed(row);
  return { job: toJob(row, ctx.paths.logs) };
}
