import type Database from 'better-sqlite3';
import type { JobState } from '../../../../protocol/index.js';
import type { JobRow } from '../rows.js';

/** States a job may be run again from (`job.retry`): every state where nothing runs or waits. */
export const RETRYABLE_STATES: readonly JobState[] = ['failed', 'dead', 'canceled', 'completed'];

/**
 * failed|dead|canceled|completed → pending, attempts reset, due now: the job runs again from scratch (its
 * attempt history is kept and the next run continues its numbering; the caller empties the log once this
 * committed). Null when the job is in another state (or gone).
 */
export function prepareRetryJob(db: Database.Database) {
  const retry = db.prepare<[number, number, string], JobRow>(`
    UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?, updated_at = ?
    WHERE id = ? AND state IN ('failed','dead','canceled','completed') RETURNING *`);
  return db.transaction((id: string, now: number): JobRow | null => retry.get(now, now, id) ?? null);
}
