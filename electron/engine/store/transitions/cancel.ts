import type Database from 'better-sqlite3';
import type { JobRow } from '../rows.js';

/**
 * pending|failed|processing → canceled. A running job's open attempt is closed as `canceled` here; the pool
 * kills its process tree, and the run's late result no longer changes the job. The caller settles the jobs
 * waiting for it (`settleDependents`) in the same transaction (rpc/handlers/cancel.ts).
 */
export function prepareCancel(db: Database.Database) {
  const cancel = db.prepare<[number, number, string], JobRow>(`
    UPDATE jobs SET state = 'canceled', finished_at = ?, updated_at = ?, last_error = 'canceled by the user', worker_id = NULL
    WHERE id = ? AND state IN ('pending','failed','processing') RETURNING *`);
  const closeRun = db.prepare<[number, string]>(`
    UPDATE attempts SET outcome = 'canceled', finished_at = ?, error = 'canceled by the user'
    WHERE job_id = ? AND outcome = 'running'`);
  return db.transaction((id: string, now: number): JobRow | null => {
    const row = cancel.get(now, now, id);
    if (row) closeRun.run(now, id);
    return row ?? null;
  });
}
