import type { EngineContext } from '../../context.js';

/** Placeholder while queue.set is being built; replaced in this change. */
export function queueSet(_ctx: EngineContext, _raw: unknown): never {
  throw new Error('queue.set is not built yet');
}
