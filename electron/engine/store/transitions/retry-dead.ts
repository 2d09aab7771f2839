import type Database from 'better-sqlite3';
import { QueueError } from '../../../../protocol/index.js';
import type { JobRow } from '../rows.js';
import { prepareDependencies } from './dependencies.js';

/**
 * dead → pending with attempts reset, due now: `retryDead` for one job, `retryDeadMany` for several (all or
 * none: a job that is not dead throws INVALID_STATE and none is retried), `retryAllDead` for every dead job.
 * Each is one transaction. A job with parents (`enqueue --after`) waits again for those not completed; one
 * with a parent dead or canceled (and not retried with it) would wait forever, so retryDead and retryDeadMany
 * refuse it (INVALID_STATE naming the parent) and retryAllDead leaves it in the DLQ, with every dead job below
 * it (a dead child of a job left dead stays too, transitively); only what came back is returned. The jobs
 * these canceled come back only through `restoreDependents`, which the caller runs in the same transaction
 * when asked. (Any finished job, dead or not, is run again by `retryJob`, retry-job.ts.)
 */
export function prepareRetryDead(db: Database.Database) {
  const one = db.prepare<[number, number, string], JobRow>(`
    UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?, updated_at = ?
    WHERE id = ? AND state = 'dead' RETURNING *`);
  /**
   * Every dead job but those that would wait forever: `stuck` holds the dead jobs with a canceled parent and,
   * transitively, the dead jobs with a stuck parent (which stays dead, so they would wait for it forever). A
   * dead parent not stuck is retried in the same statement, so its dead children may come back with it.
   */
  const all = db.prepare<[number, number], JobRow>(`
    WITH RECURSIVE stuck (id) AS (
      SELECT c.id FROM jobs c JOIN job_deps d ON d.child_id = c.id JOIN jobs p ON p.id = d.parent_id
      WHERE c.state = 'dead' AND p.state = 'canceled'
      UNION
      SELECT c.id FROM stuck s JOIN job_deps d ON d.parent_id = s.id JOIN jobs c ON c.id = d.child_id
      WHERE c.state = 'dead'
    )
    UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?, updated_at = ?
    WHERE state = 'dead' AND id NOT IN (SELECT id FROM stuck) RETURNING *`);
  const stateOf = db.prepare<[string], { state: string }>(`SELECT state FROM jobs WHERE id = ?`);
  const { requireLiveParents, recountWaiting } = prepareDependencies(db);

  /** Once every named job is pending: none may wait for a dead or canceled parent; each counts its parents. */
  function settle(rows: JobRow[], now: number): JobRow[] {
    for (const row of rows) requireLiveParents(row, 'retried');
    return rows.map((row) => recountWaiting(row, now));
  }

  return {
    retryDead: db.transaction((id: string, now: number): JobRow | null => {
      const row = one.get(now, now, id);
      return row ? settle([row], now)[0]! : null;
    }),
    retryDeadMany: db.transaction((ids: readonly string[], now: number): JobRow[] => {
      const rows = ids.map((id) => {
        const row = one.get(now, now, id);
        if (row) return row;
        const state = stateOf.get(id)?.state;
        if (state === undefined) throw new QueueError('JOB_NOT_FOUND', `no job with id "${id}"; nothing was retried`, { id });
        throw new QueueError('INVALID_STATE', `job ${id} is ${state}, not dead; only jobs in the DLQ can be retried. Nothing was retried`, { id, state });
      });
      return settle(rows, now);
    }),
    retryAllDead: db.transaction((now: number): JobRow[] => all.all(now, now).map((row) => recountWaiting(row, now))),
  };
}
