/**
 * Recurring jobs: a cron expression and the job each firing enqueues.
 *
 * Firing policy: every slot fires at most once (the slot is stored with the job it enqueued, in the same
 * transaction), across restarts. Slots missed while no daemon ran (or the machine slept) are not replayed one
 * by one: the schedule fires once, for the latest of them, at start-up (or on waking), then continues from
 * the next slot after now. A firing enqueues an ordinary job, also while its queue is paused (the job waits).
 * With overlap 'skip' (the default) a slot whose previous job has not ended yet (waiting, held by a pause, or
 * running) enqueues nothing and is logged, so a paused queue or a slow job never piles up firings.
 * If the wall clock is set back, a schedule's next slot follows it back (logged); a slot that had its job
 * gets no second one.
 *
 * A paused schedule fires nothing; resuming continues from the first slot after the resume (the slots that
 * passed while paused are not fired: the pause was asked for). "Run now" enqueues one job from the schedule
 * outside its slots; its next slot stays. Editing checks the schedule as adding does; a new expression or
 * zone moves the next slot to the first one after the edit.
 */

/** What a slot does while the schedule's previous job has not ended. */
export type ScheduleOverlap =
  /** Enqueue nothing for this slot (logged); the next slot tries again. The default. */
  | 'skip'
  /** Enqueue anyway: jobs of the schedule may wait or run side by side. */
  | 'allow';

export const SCHEDULE_OVERLAPS: readonly ScheduleOverlap[] = ['skip', 'allow'];

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
  /** Timeout of each enqueued job in ms; 0: none; null: the configured job_timeout_ms at firing time. */
  timeout_ms: number | null;
  /** Working directory of each enqueued job; null: the daemon's. */
  cwd: string | null;
  created_at: string;
  /** The next slot it fires at (ISO); null while paused. */
  next_at: string | null;
  /** When it was paused (ISO), null while it runs. */
  paused_at: string | null;
  /** Slots overlap 'skip' passed over because the previous job had not ended (since it was added). */
  skipped: number;
  /** The latest of those slots (ISO), or null. */
  last_skipped_at: string | null;
  /** The slot it last fired for (ISO), or null. */
  last_fired_at: string | null;
  /** The job the last firing enqueued, or null. */
  last_job_id: string | null;
  overlap: ScheduleOverlap;
  /** The umask of each enqueued job ("0022"). */
  umask: string;
  /** True when its jobs get the environment `schedule add` captured; false: the queue's own environment. */
  has_env: boolean;
}

/**
 * What `schedule.add` takes. `cron` and `command` are required; a field the method does not know is
 * INVALID_ARGUMENT. The job fields are checked as an enqueue checks them; those left out (max_retries,
 * timeout_ms) take the config's value at each firing.
 */
export interface ScheduleAddParams {
  /** At most SCHEDULE_LIMITS.cronLength characters; must fire at least once from now on. */
  cron: string;
  command: string;
  /** An IANA zone such as "Europe/Berlin" or "UTC"; omit or null for the daemon's local zone. */
  tz?: string | null;
  queue?: string;
  name?: string | null;
  /** Omit or null: the config's max_retries at firing time. */
  max_retries?: number | null;
  priority?: number;
  /** Milliseconds; 0 or null: no timeout (as in a JobSpec; listed as 0); omit for the config's job_timeout_ms at firing time. */
  timeout_ms?: number | null;
  /** Absolute; the CLI sends its current directory. */
  cwd?: string | null;
  /** Default 'skip'. */
  overlap?: ScheduleOverlap;
  /**
   * The whole environment of each enqueued job, as JobSpec.env (the CLI sends the one `schedule add` ran in);
   * omit or null: the queue's own environment. Not part of what makes two schedules identical.
   */
  env?: Record<string, string> | null;
  /** The umask of each enqueued job ("0022"); omit for DEFAULT_UMASK. Not part of what makes two schedules identical. */
  umask?: string;
}

/**
 * What `schedule.edit` takes: the schedule's id (or a unique prefix) and any of `schedule.add`'s fields, each
 * meaning what it means there, except `timeout_ms: null`, which here means the config's default at firing time
 * (as `Schedule.timeout_ms` reports null); a field left out stays as it is (`env` too: its captured
 * environment is kept). The schedule as it becomes is checked exactly as an add is.
 */
export interface ScheduleEditParams extends Partial<ScheduleAddParams> {
  id: string;
}

/** Limits the daemon enforces on a schedule, shared so clients can check early. */
export const SCHEDULE_LIMITS = {
  /** Longest cron expression accepted. */
  cronLength: 200,
  /** Most schedules a daemon keeps; adding one more is INVALID_ARGUMENT (an identical one is still answered). */
  count: 1000,
} as const;
