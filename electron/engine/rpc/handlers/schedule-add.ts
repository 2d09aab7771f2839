import type { EngineContext } from '../../context.js';

/** Placeholder while schedule.add is being built; replaced in this change. */
export function scheduleAdd(_ctx: EngineContext, _raw: unknown): never {
  throw new Error('schedule.add is not built yet');
}
