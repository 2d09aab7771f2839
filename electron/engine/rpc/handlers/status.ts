import { PRODUCT_VERSION, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';

export function status(ctx: EngineContext): ResultOf<'status'> {
  const now = Date.now();
  const pause = ctx.store.pauseState();
  return {
    pid: process.pid,
    version: PRODUCT_VERSION,
    home: ctx.paths.home,
    started_at: new Date(ctx.startedAt).toISOString(),
    uptime_ms: now - ctx.startedAt,
    stopping: ctx.stopping(),
    paused: pause.paused,
    paused_since: pause.since === null ? null : new Date(pause.since).toISOString(),
    queues: ctx.store.queueInfos(),
    has_window: ctx.host !== null,
    counts: ctx.store.counts(),
    workers: ctx.pool.info(),
  };
}
