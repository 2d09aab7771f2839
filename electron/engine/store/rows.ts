import { join } from 'node:path';
import { formatUmask, type Attempt, type AttemptOutcome, type Job, type JobDetail, type JobState } from '../../../protocol/index.js';

/** A row of the jobs table as SQLite returns it. */
export interface JobRow {
  seq: number;
  id: string;
  name: string | null;
  command: string;
  state: JobState;
  attempts: number;
  max_retries: number;
  priority: number;
  timeout_ms: number | null;
  cwd: string | null;
  run_at: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  exit_code: number | null;
  last_error: string | null;
  worker_id: number | null;
  /** The named queue. */
  queue: string;
  /** Parent ids as a JSON array, or null when none. */
  depends_on: string | null;
  /** Parents not yet completed. */
  waiting_on: number;
  /** The parent whose death canceled this job, or null. */
  canceled_by: string | null;
  schedule_id: string | null;
  /** The schedule slot (ms) it was enqueued for, or null. */
  scheduled_for: number | null;
  /** Its environment (a row of `environments`, migration 0008), or null: the queue's own. */
  env_id: number | null;
  /** The umask its runs start with (18 = 0o022). */
  umask: number;
  /** 1: announce its end on the desktop (`enqueue --notify`, migration 0009). */
  notify: 0 | 1;
  /** 1: processes left when its shell exits are not killed (`enqueue --keep-children`, migration 0010). */
  keep_children: 0 | 1;
  /** The latest finished run's summary when it did not complete: its last line of output (migration 0011). */
  last_line: string | null;
}

/** A row of the attempts table. */
export interface AttemptRow {
  number: number;
  worker_id: number | null;
  started_at: number;
  finished_at: number | null;
  outcome: AttemptOutcome;
  exit_code: number | null;
  signal: string | null;
  error: string | null;
  /** Where the run's section of the job's log begins; null for runs logged before migration 0011. */
  log_start: number | null;
  /** Its last line of output when it did not complete (migration 0011). */
  last_line: string | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** Where a job's output goes. */
export function logPathFor(logsDir: string, id: string): string {
  return join(logsDir, `${id}.log`);
}

export function toJob(row: JobRow, logsDir: string): Job {
  return {
    id: row.id,
    name: row.name,
    command: row.command,
    state: row.state,
    attempts: row.attempts,
    max_retries: row.max_retries,
    priority: row.priority,
    timeout_ms: row.timeout_ms,
    cwd: row.cwd,
    run_at: iso(row.run_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    started_at: isoOrNull(row.started_at),
    finished_at: isoOrNull(row.finished_at),
    exit_code: row.exit_code,
    last_error: row.last_error,
    worker_id: row.worker_id,
    log_path: logPathFor(logsDir, row.id),
    queue: row.queue,
    depends_on: row.depends_on === null ? [] : (JSON.parse(row.depends_on) as string[]),
    waiting_on: row.waiting_on,
    schedule_id: row.schedule_id,
    umask: formatUmask(row.umask),
    notify: row.notify === 1,
    keep_children: row.keep_children === 1,
    last_line: row.last_line ?? null,
  };
}

/** The job with its environment (`vars`: the stored JSON, or null for the queue's own), as `show` answers. */
export function toJobDetail(row: JobRow, logsDir: string, vars: string | null): JobDetail {
  return { ...toJob(row, logsDir), env: vars === null ? null : (JSON.parse(vars) as Record<string, string>) };
}

export function toAttempt(row: AttemptRow): Attempt {
  return {
    number: row.number,
    worker_id: row.worker_id,
    started_at: iso(row.started_at),
    finished_at: isoOrNull(row.finished_at),
    duration_ms: row.finished_at === null ? null : row.finished_at - row.started_at,
    outcome: row.outcome,
    exit_code: row.exit_code,
    signal: row.signal,
    error: row.error,
    last_line: row.last_line ?? null,
  };
}
