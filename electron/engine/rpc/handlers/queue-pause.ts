import type { ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';

/** No job starts until `queue.resume`; running jobs go on. Stored, so it survives restarts. */
export function queuePause(ctx: EngineContext): ResultOf<'queue.pause'> {
  return ctx.setPaused(true);
}

/** Jobs start again. */
export function queueResume(ctx: EngineContext): ResultOf<'queue.resume'> {
  return ctx.setPaused(false);
}
