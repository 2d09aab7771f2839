import type Database from 'better-sqlite3';
import type { RunCounts } from '../../../protocol/index.js';

/** How long the per-minute run counts are kept: the 7-day chart and a day to spare. */
export const RUN_MINUTES_KEPT_DAYS = 8;

/** One bucket's sums; `bucket` counts buckets from the first of the range. */
export interface BucketCounts extends RunCounts {
  bucket: number;
}

/** A span of whole minutes (minute numbers: ms / 60000), the last exclusive, and the bucket size in minutes. */
export interface MinuteSpan {
  first: number;
  end: number;
  size: number;
}

/**
 * The `run_minutes` table (migration 0013, kept by a trigger as runs end): throughput by bucket, and the
 * prune that bounds it. Reads walk its primary key (minute, queue) over the range only.
 */
export function prepareRunMinutes(db: Database.Database) {
  const sums = `CAST(minute - @first AS INTEGER) / CAST(@size AS INTEGER) AS bucket, SUM(completed) AS completed, SUM(failed + dead) AS failed,
      SUM(dead) AS dead, SUM(canceled) AS canceled FROM run_minutes WHERE minute >= @first AND minute < @end`;
  const all = db.prepare<[MinuteSpan], BucketCounts>(`SELECT ${sums} GROUP BY bucket`);
  const ofQueue = db.prepare<[MinuteSpan & { queue: string }], BucketCounts>(`SELECT ${sums} AND queue = @queue GROUP BY bucket`);
  const prune = db.prepare<[number]>(`DELETE FROM run_minutes WHERE minute < ?`);
  return {
    /** Sums per bucket of the span (buckets with no run are absent), for one queue or (null) every queue. */
    runsPerBucket: (span: MinuteSpan, queue: string | null): BucketCounts[] =>
      queue === null ? all.all(span) : ofQueue.all({ ...span, queue }),
    /** Deletes the counts of minutes before `before` (ms); answers how many rows went. */
    pruneRunMinutes: (before: number): number => prune.run(Math.floor(before / 60_000)).changes,
  };
}
