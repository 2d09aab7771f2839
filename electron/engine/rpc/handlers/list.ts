import { JOB_STATES, QueueError, isJobState, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toJob } from '../../store/rows.js';
import { asParams, optionalInt } from '../params.js';

/** Most recent jobs first, optionally of one state. */
export function list(ctx: EngineContext, raw: unknown): ResultOf<'list'> {
  const params = asParams(raw);
  const state = params.state;
  if (state !== undefined && state !== null && !isJobState(state)) {
    throw new QueueError('INVALID_ARGUMENT', `unknown state ${JSON.stringify(state)}; states are ${JOB_STATES.join(', ')}`);
  }
  const limit = optionalInt(params, 'limit', 1, 100_000) ?? 50;
  const rows = ctx.store.list(state ?? undefined, limit);
  const counts = ctx.store.counts();
  const total = state ? counts[state] : Object.values(counts).reduce((a, b) => a + b, 0);
  return { jobs: rows.map((r) => toJob(r, ctx.paths.logs)), total };
}
