import type { EngineContext } from '../../context.js';

/** Placeholder while queue.list is being built; replaced in this change. */
export function queueList(_ctx: EngineContext, _raw: unknown): never {
  throw new Error('queue.list is not built yet');
}
