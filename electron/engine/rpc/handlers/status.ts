import { PRODUCT_VERSION, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';

export async function status(ctx: EngineContext): Promise<ResultOf<'status'>> {
  const now = Date.now();
  const [pause, queues, counts] = await Promise.all([ctx.store.pauseState(), ctx.store.queueInfos(), ctx.store.counts()]);
  // In a command's own process (no daemon) there is no daemon pid or uptime to report.
  const daemon = ctx.runsJobs;
  return {
    daemon_running: daemon,
    pid: daemon ? process.pid : null,
    version: PRODUCT_VERSION,
    home: ctx.paths.home,
    started_at: daemon ? new Date(ctx.startedAt).toISOString() : null,
    uptime_ms: daemon ? now - ctx.startedAt : null,
    stopping: ctx.stopping(),
    paused: pause.paused,
    paused_since: pause.since === null ? null : new Date(pause.since).toISOString(),
    queues,
    has_window: ctx.host !== null,
    counts,
    workers: ctx.pool.info(),
    store: { kind: ctx.store.kind, display: ctx.store.display },
  };
}
