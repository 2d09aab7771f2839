import type { ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { removeLogs } from '../../logs/remove-logs.js';
import { asParams } from '../params.js';
import { resolveSelectedIds } from '../selected-ids.js';

/**
 * Deletes finished jobs (completed, dead, canceled) with their attempts in one transaction, all named or
 * none, then their logs. Answers once the logs are gone.
 */
export async function jobRemove(ctx: EngineContext, raw: unknown): Promise<ResultOf<'job.remove'>> {
  const ids = resolveSelectedIds(ctx.store, asParams(raw).ids, 'ids');
  const removed = ctx.store.remove(ids);
  ctx.changedMany();
  await removeLogs(ctx.paths.logs, removed, ctx.log);
  return { removed };
}
