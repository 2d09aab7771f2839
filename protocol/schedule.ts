/**
 * Recurring jobs: a cron expression and the job each firing enqueues.
 *
 * Firing policy: every slot fires at most once (the slot is stored with the job it enqueued, in the same
 * transaction), across restarts. Slots missed while no daemon ran are not replayed one by one: at start-up a
 * schedule whose slot passed fires once, then continues from the next slot after now.
 */

/** A stored schedule as `schedule.list` reports it. */
export interface Schedule {
  /** Generated, 8 characters like job ids. */
  id: string;
  /** Five fields (minute hour day-of-month month day-of-week) or six with seconds first; nicknames like @daily. */
  cron: string;
  /** IANA time zone the expression is read in, or null for the daemon's local zone. */
  tz: string | null;
  command: string;
  queue: string;
  name: string | null;
  /** Retries of each enqueued job; null: the config's max_retries at firing time. */
  max_retries: number | null;
  priority: number;
  /** Timeout of each enqueued job in ms; null: the configured default. */
  timeout_ms: number | null;
  cwd: string | null;
  created_at: string;
  /** The next slot it fires at (ISO). */
  next_at: string;
  /** The slot it last fired for (ISO), or null. */
  last_fired_at: string | null;
  /** The job the last firing enqueued, or null. */
  last_job_id: string | null;
}

/** What `schedule.add` takes. `cron` and `command` are required. */
export interface ScheduleAddParams {
  cron: string;
  command: string;
  tz?: string | null;
  queue?: string;
  name?: string | null;
  max_retries?: number | null;
  priority?: number;
  timeout_ms?: number | null;
  /** Absolute; the CLI sends its current directory. */
  cwd?: string | null;
}
