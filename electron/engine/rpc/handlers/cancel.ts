import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toJob } from '../../store/rows.js';
import { asParams, requireString } from '../params.js';

/** Cancels a waiting or running job; a running one has its process tree killed. Canceled is terminal. */
export function cancel(ctx: EngineContext, raw: unknown): ResultOf<'cancel'> {
  const id = ctx.store.resolveId(requireString(asParams(raw), 'id'));
  const row = ctx.store.cancel(id, Date.now());
  if (!row) {
    const state = ctx.store.getJob(id)?.state;
    throw new QueueError('INVALID_STATE', `job ${id} is ${state}; only pending, failed and processing jobs can be canceled`, { id, state });
  }
  ctx.pool.kill(id, 'canceled');
  ctx.changed(row);
  return { job: toJob(row, ctx.paths.logs) };
}
