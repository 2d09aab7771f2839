import type Database from 'better-sqlite3';
import type { AttemptOutcome, JobState } from '../../../protocol/index.js';

/** A failed run joined with its job, as the overview lists it. */
export interface FailureRow {
  job_id: string;
  name: string | null;
  command: string;
  state: JobState;
  attempt: number;
  finished_at: number;
  outcome: AttemptOutcome;
  exit_code: number | null;
  error: string | null;
  last_line: string | null;
}

/** Outcomes that count as a failed run in the stats (not canceled or requeued: nothing went wrong there). */
export const FAILED_OUTCOMES = `('failed','timed_out','crashed','interrupted')`;

/** The recent failures of `stats`, served by the attempts_failed index (migration 0004); throughput is in run-minutes.ts. */
export function prepareStats(db: Database.Database) {
  const failures = db.prepare<[number], FailureRow>(`
    SELECT a.job_id, j.name, j.command, j.state, a.number AS attempt, a.finished_at, a.outcome, a.exit_code, a.error, a.last_line
    FROM attempts AS a INDEXED BY attempts_failed JOIN jobs AS j ON j.id = a.job_id
    WHERE a.outcome IN ${FAILED_OUTCOMES}
    ORDER BY a.finished_at DESC, a.id DESC LIMIT ?`);
  return {
    /** The `limit` newest failed runs with their jobs, newest first. */
    recentFailures: (limit: number): FailureRow[] => failures.all(limit),
  };
}
