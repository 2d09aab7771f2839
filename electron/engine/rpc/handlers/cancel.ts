import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toJob } from '../../store/rows.js';
import { asParams, requireString } from '../params.js';

/**
 * Cancels a waiting or running job; a running one has its process tree killed. Canceled is terminal. The
 * jobs waiting for it (`enqueue --after`) are canceled in the same transaction, naming it, and announced.
 */
export function cancel(ctx: EngineContext, raw: unknown): ResultOf<'cancel'> {
  const id = ctx.store.resolveId(requireString(asParams(raw), 'id'));
  const now = Date.now();
  const done = ctx.store.db.transaction(() => {
    const row = ctx.store.cancel(id, now);
    return row && { row, dependents: ctx.store.settleDependents(row, now) };
  })();
  if (!done) {
    const state = ctx.store.getJob(id)?.state;
    throw new QueueError('INVALID_STATE', `job ${id} is ${state}; only pending, failed and processing jobs can be canceled`, { id, state });
  }
  ctx.pool.kill(id, 'canceled');
  ctx.changed(done.row);
  for (const child of done.dependents) ctx.changed(child);
  return { job: toJob(done.row, ctx.paths.logs) };
}
