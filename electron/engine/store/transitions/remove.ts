import type Database from 'better-sqlite3';
import { QueueError, TERMINAL_STATES, type JobState } from '../../../../protocol/index.js';

/** The finished states as an SQL list ('completed','dead','canceled'): nothing runs such a job, nothing will. */
const FINISHED = TERMINAL_STATES.map((state) => `'${state}'`).join(',');

/**
 * Deletes finished jobs (their attempts go with them, ON DELETE CASCADE), all or none: a job that is missing
 * or not finished throws JOB_NOT_FOUND or INVALID_STATE and nothing is deleted. The caller deletes the logs
 * once this committed.
 */
export function prepareRemove(db: Database.Database) {
  const remove = db.prepare<[string]>(`DELETE FROM jobs WHERE id = ? AND state IN (${FINISHED})`);
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
