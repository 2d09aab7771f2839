import type Database from 'better-sqlite3';
import { QueueError } from '../../../../protocol/index.js';
import type { JobRow } from '../rows.js';

/**
 * dead → pending with attempts reset, due now: `retryOne` for one job, `retryMany` for several (all or none:
 * a job that is not dead throws INVALID_STATE and none is retried), `retryAll` for every dead job. Each is
 * one transaction.
 */
export function prepareRetryDead(db: Database.Database) {
  const one = db.prepare<[number, number, string], JobRow>(`
    UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?, updated_at = ?
    WHERE id = ? AND state = 'dead' RETURNING *`);
  const all = db.prepare<[number, number], JobRow>(`
    UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?, updated_at = ?
    WHERE state = 'dead' RETURNING *`);
  const stateOf = db.prepare<[string], { state: string }>(`SELECT state FROM jobs WHERE id = ?`);
  return {
    retryOne: db.transaction((id: string, now: number): JobRow | null => one.get(now, now, id) ?? null),
    retryMany: db.transaction((ids: readonly string[], now: number): JobRow[] =>
      ids.map((id) => {
        const row = one.get(now, now, id);
        if (row) return row;
        const state = stateOf.get(id)?.state;
        if (state === undefined) throw new QueueError('JOB_NOT_FOUND', `no job with id "${id}"; nothing was retried`, { id });
        throw new QueueError('INVALID_STATE', `job ${id} is ${state}, not dead; only jobs in the DLQ can be retried. Nothing was retried`, { id, state });
      }),
    ),
    retryAll: db.transaction((now: number): JobRow[] => all.all(now, now)),
  };
}
