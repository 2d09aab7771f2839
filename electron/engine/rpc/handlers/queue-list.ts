import type { ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { onlyFields } from '../only-fields.js';
import { asParams } from '../params.js';

/** Every named queue (DEFAULT_QUEUE first, then by name) with its pause state, settings and jobs per state. */
export async function queueList(ctx: EngineContext, raw: unknown): Promise<ResultOf<'queue.list'>> {
  onlyFields(asParams(raw), 'queue.list', []);
  return { queues: await ctx.store.queueInfos() };
}
