import type { ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toAttempt, toJob } from '../../store/rows.js';
import { asParams, requireString } from '../params.js';

/** One job (by id or unique prefix) with its attempt history. */
export function show(ctx: EngineContext, raw: unknown): ResultOf<'show'> {
  const id = ctx.store.resolveId(requireString(asParams(raw), 'id'));
  const row = ctx.store.getJob(id)!;
  return { job: toJob(row, ctx.paths.logs), attempts: ctx.store.attempts(id).map(toAttempt) };
}
