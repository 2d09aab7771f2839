import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { validateSpec } from '../../job-spec.js';
import { toJob } from '../../store/rows.js';
import { asParams } from '../params.js';

/** Stores one job (committed before the answer) and wakes the scheduler. */
export function enqueue(ctx: EngineContext, raw: unknown): ResultOf<'enqueue'> {
  const params = asParams(raw);
  if (params.job === undefined) throw new QueueError('INVALID_ARGUMENT', 'job is required');
  const row = ctx.store.enqueue(validateSpec(params.job, ctx.settings), Date.now());
  ctx.changed(row);
  return { job: toJob(row, ctx.paths.logs) };
}
