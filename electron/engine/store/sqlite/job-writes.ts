import { QueueError } from '../../../../protocol/index.js';
import type { DeadSelection, JobWrites, RetriedDead, RetriedJob } from '../api.js';
import type { Store } from '../index.js';
import type { JobRow } from '../rows.js';
import { prepareBulk } from './bulk.js';

/**
 * The user's moves of jobs. A move that spans several transitions (a job and what its change does to the jobs
 * waiting for it) is one transaction, all or none; the transitions inside nest as savepoints.
 */
export function jobWrites(s: Store): JobWrites {
  /** The jobs waiting for a canceled job are canceled with it, naming it. */
  const cancel = s.db.transaction((id: string, now: number): { row: JobRow; dependents: JobRow[] } | null => {
    const row = s.cancel(id, now);
    return row && { row, dependents: s.settleDependents(row, now) };
  });

  /** Its children still waiting count it again; with dependents, the jobs its end canceled come back. */
  const retryJob = s.db.transaction((id: string, now: number, withDependents: boolean): RetriedJob | null => {
    const row = s.retryJob(id, now);
    if (!row) return null;
    const held = s.recountChildren(row.id, now);
    const { restored, reblamed } = withDependents ? s.restoreDependents([row.id], now) : { restored: [], reblamed: [] };
    return { row, held, restored, reblamed };
  });

  /** dead → pending (one, several, all); with dependents, the jobs their deaths canceled come back too. */
  const retryDead = s.db.transaction((selection: DeadSelection, now: number, withDependents: boolean): RetriedDead => {
    let rows: JobRow[];
    if ('all' in selection) rows = s.retryAllDead(now);
    else if ('ids' in selection) rows = s.retryDeadMany(selection.ids, now);
    else {
      const { id } = selection;
      const row = s.retryDead(id, now);
      if (!row) {
        const state = s.getJob(id)?.state;
        if (state === undefined) throw new QueueError('JOB_NOT_FOUND', `no job with id "${id}"; nothing was retried`, { id });
        throw new QueueError('INVALID_STATE', `job ${id} is ${state}, not dead; only jobs in the DLQ can be retried`, { id, state });
      }
      rows = [row];
    }
    const { restored: dependents, reblamed } = withDependents ? s.restoreDependents(rows.map((row) => row.id), now) : { restored: [], reblamed: [] };
    return { rows, dependents, reblamed };
  });

  const bulk = prepareBulk(s);

  return {
    enqueue: async (job, now) => s.enqueue(job, now),
    // The transition takes a mutable array (it only reads it); the copy is a few µs per 10,000 jobs.
    enqueueMany: async (jobs, now) => s.enqueueMany([...jobs], now),
    cancel: async (id, now) => cancel(id, now),
    retryJob: async (id, now, withDependents) => retryJob(id, now, withDependents),
    retryDead: async (selection, now, withDependents) => retryDead(selection, now, withDependents),
    runNow: async (id, now) => s.runNow(id, now),
    // Each id once, as PostgreSQL's: a repeated id would find its job gone and fail the whole call.
    remove: async (ids) => s.remove([...new Set(ids)]),
    purgeDead: async () => s.purgeDead(),
    bulk: async (request) => bulk(request),
  };
}
