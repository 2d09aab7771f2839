import { QueueError } from '../../../../protocol/index.js';
import type { BulkDone, BulkRequest } from '../api.js';
import type { Store } from '../index.js';
import type { JobRow } from '../rows.js';

/**
 * `jobs.bulk` as one transaction, all or none, so a filter never half-applies: the selection, the count the
 * user confirmed, then each job the way its own method would take it (a dead job as `dlq.retry`, any other
 * finished one as `job.retry`; a cancel with its waiting children; a remove). A job the action does not fit
 * refuses the whole call with INVALID_STATE naming it.
 */
export function prepareBulk(s: Store): (request: BulkRequest) => BulkDone {
  return s.db.transaction((r: BulkRequest): BulkDone => {
    const ids = r.ids ? [...r.ids] : s.matchingIds(r.filter!, r.max + 1);
    if (ids.length > r.max) {
      throw new QueueError('INVALID_ARGUMENT', `the filter matches more than ${r.max} jobs; narrow it (by state, queue or search) and repeat`);
    }
    if (r.expected !== undefined && ids.length !== r.expected) {
      throw new QueueError('INVALID_STATE', `the filter now matches ${ids.length} jobs, not the ${r.expected} confirmed; nothing was changed`, { count: ids.length });
    }
    const changed = act(s, r, ids);
    if (!r.withDependents) return { ids, changed, dependents: 0, reblamed: false };
    const { restored, reblamed } = s.restoreDependents(ids, r.now);
    return { ids, changed: [...changed, ...restored], dependents: restored.length, reblamed: reblamed.length > 0 };
  });
}

/** The action on every job, inside the bulk transaction; throws (rolling all back) at the first that does not fit. Answers every row it changed. */
function act(s: Store, r: BulkRequest, ids: string[]): JobRow[] {
  const refuse = (id: string, what: string): never => {
    const state = s.getJob(id)?.state;
    throw new QueueError('INVALID_STATE', `job ${id} is ${state}${r.stopping.has(id) ? ' and still being stopped' : ''}; ${what}. Nothing was changed`, { id, state });
  };
  const changed: JobRow[] = [];
  if (r.action === 'remove') {
    for (const id of ids) if (r.stopping.has(id)) refuse(id, 'try again in a moment');
    s.remove(ids);
    return changed;
  }
  if (r.action === 'retry') {
    for (const id of ids) {
      if (r.stopping.has(id)) refuse(id, 'try again in a moment');
      const dead = s.getJob(id)?.state === 'dead';
      const row = (dead ? s.retryDead(id, r.now) : s.retryJob(id, r.now)) ?? refuse(id, 'only failed, dead, canceled and completed jobs can be retried');
      changed.push(row, ...(dead ? [] : s.recountChildren(row.id, r.now)));
    }
    return changed;
  }
  // Cancel: a job canceled a moment ago as the child of another named job counts as done.
  const canceledHere = new Set<string>();
  for (const id of ids) {
    if (canceledHere.has(id)) continue;
    const row = s.cancel(id, r.now) ?? refuse(id, 'only pending, failed and processing jobs can be canceled');
    changed.push(row);
    for (const child of s.settleDependents(row, r.now)) {
      canceledHere.add(child.id);
      changed.push(child);
    }
  }
  return changed;
}
