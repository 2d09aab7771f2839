import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { WORKER_OVERDUE_MS } from '../../pool.js';
import { toJob } from '../../store/rows.js';
import { asParams, requireString } from '../params.js';

/**
 * Cancels a waiting or running job; a running one has every process of its run killed, and the answer waits
 * until they are gone (SIGTERM, SIGKILL after 2 s; a worker that cannot answer is killed by the pool). Canceled
 * is terminal and committed first. The jobs waiting for it (`enqueue --after`) are canceled in the same
 * transaction, naming it, and announced.
 */
export async function cancel(ctx: EngineContext, raw: unknown): Promise<ResultOf<'cancel'>> {
  const id = await ctx.store.resolveId(requireString(asParams(raw), 'id'));
  if (!ctx.runsJobs && (await ctx.store.getJob(id))?.state === 'processing') {
    // Canceling here would mark the run over while whatever it left may still run, and hide it from the
    // recovery that kills it: the next daemon ends the run first (interrupted), then it can be canceled.
    throw new QueueError(
      'INVALID_STATE',
      `job ${id} was running when its daemon stopped; start one (queuectl worker start), which ends that run, then cancel it`,
      { id, state: 'processing' },
    );
  }
  const now = Date.now();
  const done = await ctx.store.cancel(id, now);
  if (!done) {
    const state = (await ctx.store.getJob(id))?.state;
    throw new QueueError('INVALID_STATE', `job ${id} is ${state}; only pending, failed and processing jobs can be canceled`, { id, state });
  }
  const running = ctx.pool.kill(id, 'canceled');
  ctx.changed(done.row);
  for (const child of done.dependents) ctx.changed(child);
  if (running && !(await ctx.pool.untilGone(id, WORKER_OVERDUE_MS + 2000))) {
    ctx.log(`cancel ${id}: its run's processes were still being killed when the answer went out`);
  }
  return { job: toJob(done.row, ctx.paths.logs) };
}
