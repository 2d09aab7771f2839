import { JOB_STATES, MAX_FRAME_BYTES, QueueError, isJobState, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toJob } from '../../store/rows.js';
import { asParams, optionalInt } from '../params.js';

/** An answer stops short of this many bytes, well inside one message. */
const LIST_BUDGET_BYTES = MAX_FRAME_BYTES * 0.75;

/** Most recent jobs first, optionally of one state; as many as fit in one message. */
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
  const jobs = [];
  let bytes = 0;
  for (const row of rows) {
    const job = toJob(row, ctx.paths.logs);
    bytes += Buffer.byteLength(JSON.stringify(job));
    if (bytes > LIST_BUDGET_BYTES) break;
    jobs.push(job);
  }
  return { jobs, total };
}
