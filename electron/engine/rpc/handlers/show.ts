import type { ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toAttempt, toJobDetail } from '../../store/rows.js';
import { asParams, requireString } from '../params.js';

/** One job (by id or unique prefix) with its environment and its attempt history. */
export function show(ctx: EngineContext, raw: unknown): ResultOf<'show'> {
  const id = ctx.store.resolveId(requireString(asParams(raw), 'id'));
  const row = ctx.store.getJob(id)!;
  const env = ctx.store.environment(row.env_id);
  return { job: toJobDetail(row, ctx.paths.logs, env === null ? null : env.vars), attempts: ctx.store.attempts(id).map(toAttempt) };
}
