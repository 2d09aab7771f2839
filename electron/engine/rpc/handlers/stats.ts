import { THROUGHPUT_RANGES, type RecentFailure, type ResultOf, type RunCounts, type ThroughputBucket, type ThroughputRange } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { checkQueueName } from '../../job-spec.js';
import { onlyFields } from '../only-fields.js';
import { asParams, invalid } from '../params.js';
import { unknownQueue } from './queue-pause.js';

const MINUTE_MS = 60_000;
/** Minutes the rate `per_minute` covers: the current one and the four before. */
const RATE_MINUTES = 5;
const RECENT_FAILURES = 10;

/**
 * Runs that ended per bucket over a range (1 h, 24 h or 7 d; zeros included, oldest first), their sums, the
 * current rate, and the newest failed runs; optionally of one queue. Counted from `run_minutes` (migration
 * 0013), which deleting jobs never changes.
 */
export async function stats(ctx: EngineContext, raw?: unknown): Promise<ResultOf<'stats'>> {
  const p = asParams(raw);
  onlyFields(p, 'stats', ['range', 'queue']);
  const range = p.range ?? '1h';
  if (typeof range !== 'string' || !Object.hasOwn(THROUGHPUT_RANGES, range)) {
    throw invalid(`range must be one of ${Object.keys(THROUGHPUT_RANGES).join(', ')}; got ${JSON.stringify(range)}`);
  }
  const queue = p.queue === undefined || p.queue === null ? null : checkQueueName(p.queue, 'queue');
  if (queue !== null && (await ctx.store.queueInfo(queue)) === null) throw await unknownQueue(ctx, queue);
  const now = Date.now();
  const [throughput, per_minute, recent_failures] = await Promise.all([
    buckets(ctx, range as ThroughputRange, queue, now),
    perMinute(ctx, queue, now),
    recentFailures(ctx),
  ]);
  return {
    range: range as ThroughputRange,
    bucket_minutes: THROUGHPUT_RANGES[range as ThroughputRange].bucket_minutes,
    queue,
    throughput,
    totals: throughput.reduce(add, zero()),
    per_minute,
    recent_failures,
  };
}

async function buckets(ctx: EngineContext, range: ThroughputRange, queue: string | null, now: number): Promise<ThroughputBucket[]> {
  const { buckets: count, bucket_minutes: size } = THROUGHPUT_RANGES[range];
  const current = Math.floor(now / MINUTE_MS / size) * size;
  const first = current - (count - 1) * size;
  const found = new Map((await ctx.store.runsPerBucket({ first, end: current + size, size }, queue)).map((b) => [b.bucket, b]));
  return Array.from({ length: count }, (_, i) => {
    const b = found.get(i);
    return {
      minute: new Date((first + i * size) * MINUTE_MS).toISOString(),
      completed: b?.completed ?? 0,
      failed: b?.failed ?? 0,
      dead: b?.dead ?? 0,
      canceled: b?.canceled ?? 0,
    };
  });
}

/** Completed and failed runs per minute since the start of the minute RATE_MINUTES - 1 before this one. */
async function perMinute(ctx: EngineContext, queue: string | null, now: number): Promise<number> {
  const first = Math.floor(now / MINUTE_MS) - (RATE_MINUTES - 1);
  const [sum] = await ctx.store.runsPerBucket({ first, end: first + RATE_MINUTES, size: RATE_MINUTES }, queue);
  const minutes = (now - first * MINUTE_MS) / MINUTE_MS;
  return sum ? Math.round(((sum.completed + sum.failed) / minutes) * 10) / 10 : 0;
}

const zero = (): RunCounts => ({ completed: 0, failed: 0, dead: 0, canceled: 0 });
const add = (t: RunCounts, b: RunCounts): RunCounts => ({
  completed: t.completed + b.completed,
  failed: t.failed + b.failed,
  dead: t.dead + b.dead,
  canceled: t.canceled + b.canceled,
});

async function recentFailures(ctx: EngineContext): Promise<RecentFailure[]> {
  return (await ctx.store.recentFailures(RECENT_FAILURES)).map((row) => ({ ...row, finished_at: new Date(row.finished_at).toISOString() }));
}
