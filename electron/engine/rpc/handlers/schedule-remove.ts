import type { EngineContext } from '../../context.js';

/** Placeholder while schedule.remove is being built; replaced in this change. */
export function scheduleRemove(_ctx: EngineContext, _raw: unknown): never {
  throw new Error('schedule.remove is not built yet');
}
