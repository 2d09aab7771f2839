import { formatUmask, type Schedule, type ScheduleOverlap } from '../../../protocol/index.js';

/** A row of the schedules table (migration 0007). */
export interface ScheduleRow {
  id: string;
  /** Normalised expression (cron/expression.ts normalizeCron). */
  cron: string;
  /** IANA zone, or null: the daemon's local zone. */
  tz: string | null;
  /** JSON of the job as given (StoredJobSpec). */
  spec: string;
  created_at: number;
  /** The next slot to fire (ms). */
  next_at: number;
  /** The slot fired last (ms), or null. */
  last_slot: number | null;
  last_job_id: string | null;
  /** What a slot does while the previous job has not ended ('skip', the default, or 'allow'). */
  overlap: ScheduleOverlap;
  /** The environment its jobs get (migration 0008), or null: the queue's own. */
  env_id: number | null;
  /** The umask its jobs get. */
  umask: number;
  /** When it was paused (ms), null while it runs (migration 0014). */
  paused_at: number | null;
  /** Slots overlap 'skip' passed over, and the latest of them (ms). */
  skipped: number;
  last_skipped_slot: number | null;
}

/**
 * The job part of a schedule as stored in schedules.spec: the fields given, checked, in a fixed key order
 * (queue and priority always; the rest only when given, so the config's defaults apply at each firing).
 */
export interface StoredJobSpec {
  command: string;
  queue: string;
  name?: string;
  max_retries?: number;
  priority: number;
  /** 0: no timeout. */
  timeout_ms?: number;
  cwd?: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function toSchedule(row: ScheduleRow): Schedule {
  const spec = JSON.parse(row.spec) as StoredJobSpec;
  return {
    id: row.id,
    cron: row.cron,
    tz: row.tz,
    command: spec.command,
    queue: spec.queue,
    name: spec.name ?? null,
    max_retries: spec.max_retries ?? null,
    priority: spec.priority,
    timeout_ms: spec.timeout_ms ?? null,
    cwd: spec.cwd ?? null,
    created_at: iso(row.created_at),
    next_at: row.paused_at === null ? iso(row.next_at) : null,
    paused_at: row.paused_at === null ? null : iso(row.paused_at),
    skipped: row.skipped,
    last_skipped_at: row.last_skipped_slot === null ? null : iso(row.last_skipped_slot),
    last_fired_at: row.last_slot === null ? null : iso(row.last_slot),
    last_job_id: row.last_job_id,
    overlap: row.overlap,
    umask: formatUmask(row.umask),
    has_env: row.env_id !== null,
  };
}
