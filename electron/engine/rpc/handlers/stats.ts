import type { RecentFailure, ResultOf, ThroughputMinute } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { asParams } from '../params.js';

const MINUTE_MS = 60_000;
/** Minutes of throughput, the current one last. */
const MINUTES = 60;
const RECENT_FAILURES = 10;

/** Runs finished per minute over the last hour (zeros included, oldest first) and the newest failed runs. */
export function stats(ctx: EngineContext, raw?: unknown): ResultOf<'stats'> {
  asParams(raw);
  return { throughput: throughput(ctx, Date.now()), recent_failures: recentFailures(ctx) };
}

function throughput(ctx: EngineContext, now: number): ThroughputMinute[] {
  const current = Math.floor(now / MINUTE_MS);
  const first = current - MINUTES + 1;
  const counted = new Map(ctx.store.finishedPerMinute(first * MINUTE_MS, (current + 1) * MINUTE_MS).map((m) => [m.minute, m]));
  return Array.from({ length: MINUTES }, (_, i) => {
    const minute = first + i;
    const found = counted.get(minute);
    return { minute: new Date(minute * MINUTE_MS).toISOString(), completed: found?.completed ?? 0, failed: found?.failed ?? 0 };
  });
}

function recentFailures(ctx: EngineContext): RecentFailure[] {
  return ctx.store.recentFailures(RECENT_FAILURES).map((row) => ({ ...row, finished_at: new Date(row.finished_at).toISOString() }));
}
