import type { ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { removeLogs } from '../../logs/remove-logs.js';
import { asParams } from '../params.js';

/** Deletes every dead job with its attempts in one transaction, then their logs; answers how many. */
export async function dlqPurge(ctx: EngineContext, raw?: unknown): Promise<ResultOf<'dlq.purge'>> {
  asParams(raw);
  const removed = ctx.store.purgeDead();
  if (removed.length > 0) ctx.changedMany();
  await removeLogs(ctx.paths.logs, removed, ctx.log);
  return { count: removed.length };
}
