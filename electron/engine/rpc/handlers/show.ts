import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toAttempt, toJobDetail } from '../../store/rows.js';
import { asParams, requireString } from '../params.js';

/** One job (by id or unique prefix) with its environment and its attempt history. */
export async function show(ctx: EngineContext, raw: unknown): Promise<ResultOf<'show'>> {
  const id = await ctx.store.resolveId(requireString(asParams(raw), 'id'));
  const row = await ctx.store.getJob(id);
  if (row === null) throw new QueueError('JOB_NOT_FOUND', `no job with id "${id}"`, { id });
  const [env, attempts] = await Promise.all([ctx.store.environment(row.env_id), ctx.store.attempts(id)]);
  return { job: toJobDetail(row, ctx.paths.logs, env === null ? null : env.vars), attempts: attempts.map(toAttempt) };
}
