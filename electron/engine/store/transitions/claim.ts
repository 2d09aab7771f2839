import type Database from 'better-sqlite3';
import type { JobRow } from '../rows.js';

/** A job a worker now owns, with the number of this run. */
export interface Claimed {
  job: JobRow;
  attempt: number;
}

/**
 * pending|failed → processing for the best due job (highest priority, then oldest, run_at reached),
 * and opens its attempt row. One transaction; the state guard makes a double claim impossible.
 */
export function prepareClaim(db: Database.Database) {
  const pick = db.prepare<[number], { id: string }>(`
    SELECT id FROM jobs INDEXED BY jobs_waiting
    WHERE state IN ('pending','failed') AND run_at <= ?
    ORDER BY priority DESC, seq LIMIT 1`);
  const take = db.prepare<[number, number, number, string], JobRow>(`
    UPDATE jobs SET state = 'processing', worker_id = ?, started_at = ?, finished_at = NULL, updated_at = ?
    WHERE id = ? AND state IN ('pending','failed') RETURNING *`);
  const open = db.prepare<[string, string, number, number], { number: number }>(`
    INSERT INTO attempts (job_id, number, worker_id, started_at)
    VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM attempts WHERE job_id = ?), ?, ?)
    RETURNING number`);

  return db.transaction((workerId: number, now: number): Claimed | null => {
    const next = pick.get(now);
    if (!next) return null;
    const job = take.get(workerId, now, now, next.id);
    if (!job) return null;
    const { number } = open.get(job.id, job.id, workerId, now)!;
    return { job, attempt: number };
  });
}
