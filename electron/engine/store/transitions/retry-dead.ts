import type Database from 'better-sqlite3';
import type { JobRow } from '../rows.js';

/** dead → pending with attempts reset, due now. `retryAll` does it for every dead job in one transaction. */
export function prepareRetryDead(db: Database.Database) {
  const one = db.prepare<[number, number, string], JobRow>(`
    UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?, updated_at = ?
    WHERE id = ? AND state = 'dead' RETURNING *`);
  const all = db.prepare<[number, number], JobRow>(`
    UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?, updated_at = ?
    WHERE state = 'dead' RETURNING *`);
  return {
    retryOne: db.transaction((id: string, now: number): JobRow | null => one.get(now, now, id) ?? null),
    retryAll: db.transaction((now: number): JobRow[] => all.all(now, now)),
  };
}
