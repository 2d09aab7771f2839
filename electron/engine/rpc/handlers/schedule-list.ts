import type { EngineContext } from '../../context.js';

/** Placeholder while schedule.list is being built; replaced in this change. */
export function scheduleList(_ctx: EngineContext, _raw: unknown): never {
  throw new Error('schedule.list is not built yet');
}
