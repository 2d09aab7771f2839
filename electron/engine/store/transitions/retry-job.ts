import type Database from 'better-sqlite3';
import type { JobState } from '../../../../protocol/index.js';
import type { JobRow } from '../rows.js';
import { prepareDependencies } from './dependencies.js';

/** States a job may be run again from (`job.retry`): every state where nothing runs or waits. */
export const RETRYABLE_STATES: readonly JobState[] = ['failed', 'dead', 'canceled', 'completed'];

/**
 * failed|dead|canceled|completed → pending, attempts reset, due now: the job runs again from scratch (its
 * attempt history and log are kept, and the next run continues its numbering). Null when the job is in
 * another state (or gone). A job with parents waits again for those not completed; with a parent dead or
 * canceled it would wait forever, so it is refused (INVALID_STATE naming
 * the parent). What it does to its own children (recountChildren, restoreDependents) is up to the caller,
 * in the same transaction.
 */
export function prepareRetryJob(db: Database.Database) {
  const byId = db.prepare<[string], JobRow>(`SELECT * FROM jobs WHERE id = ?`);
  const retry = db.prepare<[number, number, string], JobRow>(`
    UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?, updated_at = ?, canceled_by = NULL
    WHERE id = ? AND state IN ('failed','dead','canceled','completed') RETURNING *`);
  const { requireLiveParents, recountWaiting } = prepareDependencies(db);
  return db.transaction((id: string, now: number): JobRow | null => {
    const before = byId.get(id);
    if (!before || !RETRYABLE_STATES.includes(before.state)) return null;
    requireLiveParents(before, 'retried');
    const row = retry.get(now, now, id);
    return row ? recountWaiting(row, now) : null;
  });
}
