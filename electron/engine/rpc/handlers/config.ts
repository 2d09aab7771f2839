import type { ResultOf } from '../../../../protocol/index.js';
import { Settings } from '../../config/settings.js';
import type { EngineContext } from '../../context.js';
import { asParams } from '../params.js';

export function configList(ctx: EngineContext): ResultOf<'config.list'> {
  return { entries: ctx.settings.entries() };
}

export function configGet(ctx: EngineContext, raw: unknown): ResultOf<'config.get'> {
  return { entry: ctx.settings.entry(Settings.keyOf(asParams(raw).key)) };
}

/** Validated, committed, and applied at once (worker count, poll interval, checkpoints ...). */
export async function configSet(ctx: EngineContext, raw: unknown): Promise<ResultOf<'config.set'>> {
  const params = asParams(raw);
  return { entry: await ctx.settings.set(params.key, params.value) };
}
