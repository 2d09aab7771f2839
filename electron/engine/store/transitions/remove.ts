import type Database from 'better-sqlite3';
import { QueueError, type JobState } from '../../../../protocol/index.js';

/** States a job may be deleted in: finished ones, which nothing runs and nothing will run. */
export const REMOVABLE_STATES: readonly JobState[] = ['completed', 'dead', 'canceled'];

/**
 * Deletes finished jobs (their attempts go with them, ON DELETE CASCADE), all or none: a job that is missing
 * or not finished throws JOB_NOT_FOUND or INVALID_STATE and nothing is deleted. The caller deletes the logs
 * once this committed.
 */
export function prepareRemove(db: Database.Database) {
  const remove = db.prepare<[string]>(`DELETE FROM jobs WHERE id = ? AND state IN ('completed','dead','canceled')`);
  const stateOf = db.prepare<[string], { state: JobState }>(`SELECT state FROM jobs WHERE id = ?`);
  return db.transaction((ids: readonly string[]): string[] => {
    for (const id of ids) {
      if (remove.run(id).changes === 1) continue;
      const state = stateOf.get(id)?.state;
      if (state === undefined) throw new QueueError('JOB_NOT_FOUND', `no job with id "${id}"; nothing was removed`, { id });
      throw new QueueError(
        'INVALID_STATE',
        `job ${id} is ${state}; only completed, dead and canceled jobs can be removed (cancel it first). Nothing was removed`,
        { id, state },
      );
    }
    return [...ids];
  });
}
