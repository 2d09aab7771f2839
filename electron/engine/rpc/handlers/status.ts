import { PRODUCT_VERSION, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';

export function status(ctx: EngineContext): ResultOf<'status'> {
  const now = Date.now();
  return {
    pid: process.pid,
    version: PRODUCT_VERSION,
    home: ctx.paths.home,
    started_at: new Date(ctx.startedAt).toISOString(),
    uptime_ms: now - ctx.startedAt,
    stopping: ctx.stopping(),
    counts: ctx.store.counts(),
    workers: ctx.pool.info(),
  };
}
