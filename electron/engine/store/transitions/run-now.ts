import type Database from 'better-sqlite3';
import type { JobRow } from '../rows.js';

/**
 * A pending job not yet due (`enqueue --delay/--run-at`) becomes due now: its run_at moves to now, nothing
 * else changes (a job waiting for parents still waits for them). Null when the job is in another state,
 * already due, or gone. One statement, guarded by state and run_at. (A failed job's backoff is left alone:
 * `job.retry` is the way to run it again at once.)
 */
export function prepareRunNow(db: Database.Database) {
  const runNow = db.prepare<[number, number, string, number], JobRow>(`
    UPDATE jobs SET run_at = ?, updated_at = ?
    WHERE id = ? AND state = 'pending' AND run_at > ? RETURNING *`);
  return (id: string, now: number): JobRow | null => runNow.get(now, now, id, now) ?? null;
}
