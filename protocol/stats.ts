import type { AttemptOutcome, JobState } from './job.js';

/**
 * The dashboard's figures (`stats`). Throughput comes from per-minute counts of runs that ended, kept in their
 * own table as runs end, so deleting jobs (purge, clean, retention, remove) never changes it; they are kept
 * 8 days.
 */

/** The ranges the throughput can cover, with their bucket sizes: 60 minutes, 96 quarter hours, 168 hours. */
export const THROUGHPUT_RANGES = {
  '1h': { buckets: 60, bucket_minutes: 1 },
  '24h': { buckets: 96, bucket_minutes: 15 },
  '7d': { buckets: 168, bucket_minutes: 60 },
} as const;

export type ThroughputRange = keyof typeof THROUGHPUT_RANGES;

/** Runs that ended, counted by how. */
export interface RunCounts {
  /** Runs that completed. */
  completed: number;
  /** Runs that failed (failed, timed out, crashed, interrupted), whether the job will be retried or went dead. */
  failed: number;
  /** Of `failed`, the runs that were their job's last: the job went dead. */
  dead: number;
  /** Runs stopped by a cancel. */
  canceled: number;
}

/** Runs that ended in one bucket of the throughput chart. */
export interface ThroughputBucket extends RunCounts {
  /** Start of the bucket (ISO); buckets are aligned to whole minutes, quarter hours or hours (UTC). */
  minute: string;
}

export interface StatsParams {
  /** Default '1h'. */
  range?: ThroughputRange;
  /** Only this queue's runs (throughput and rate); default every queue. */
  queue?: string;
}

/** A failed run, newest first, for the overview. */
export interface RecentFailure {
  job_id: string;
  name: string | null;
  command: string;
  /** The job's state now (it may have been retried since). */
  state: JobState;
  attempt: number;
  finished_at: string;
  outcome: AttemptOutcome;
  exit_code: number | null;
  error: string | null;
  /** The run's last line of output (`Attempt.last_line`), or null. */
  last_line: string | null;
}

export interface StatsResult {
  range: ThroughputRange;
  /** Minutes per bucket: 1, 15 or 60. */
  bucket_minutes: number;
  /** The queue counted, or null for every queue. */
  queue: string | null;
  /** Every bucket of the range, oldest first, zeros included; the last holds now. */
  throughput: ThroughputBucket[];
  /** The sums of `throughput`. */
  totals: RunCounts;
  /**
   * Runs that completed or failed per minute, averaged over the current minute and the four before it
   * (4 to 5 minutes, as much as has passed), whatever the range.
   */
  per_minute: number;
  /** The 10 newest failed runs (every queue; not kept once their jobs are deleted). */
  recent_failures: RecentFailure[];
}
