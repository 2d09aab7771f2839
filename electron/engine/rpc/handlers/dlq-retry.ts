import { MAX_LISTED_RETRIES, QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toJob } from '../../store/rows.js';
import { asParams, optionalBool } from '../params.js';

/** dead → pending with attempts reset, for one job (id or prefix) or all of them. */
export function dlqRetry(ctx: EngineContext, raw: unknown): ResultOf<'dlq.retry'> {
  const params = asParams(raw);
  const all = optionalBool(params, 'all');
  if (all === (params.id !== undefined)) throw new QueueError('INVALID_ARGUMENT', 'give either an id or all: true');
  const now = Date.now();
  let rows;
  if (all) {
    rows = ctx.store.retryAll(now);
  } else {
    if (typeof params.id !== 'string') throw new QueueError('INVALID_ARGUMENT', 'id must be a string');
    const id = ctx.store.resolveId(params.id);
    const row = ctx.store.retryOne(id, now);
    if (!row) {
      const state = ctx.store.getJob(id)?.state;
      throw new QueueError('INVALID_STATE', `job ${id} is ${state}, not dead; only jobs in the DLQ can be retried`, { id, state });
    }
    rows = [row];
  }
  for (const row of rows) ctx.changed(row);
  return { count: rows.length, jobs: rows.slice(0, MAX_LISTED_RETRIES).map((r) => toJob(r, ctx.paths.logs)) };
}
