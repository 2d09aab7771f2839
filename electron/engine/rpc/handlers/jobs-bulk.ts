import { BULK_ACTIONS, MAX_BULK_JOBS, MAX_LISTED_RETRIES, QueueError, type BulkAction, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { WORKER_OVERDUE_MS } from '../../pool.js';
import type { JobRow } from '../../store/rows.js';
import { asParams, invalid, optionalBool, optionalInt } from '../params.js';
import { resolveSelectedIds } from '../selected-ids.js';
import { listFilter } from './list.js';
import { unknownQueue } from './queue-pause.js';

/** What the action did: the jobs acted on and every row it changed (children too). */
interface Acted {
  ids: string[];
  changed: JobRow[];
}

/** What the whole transaction did. */
interface BulkDone extends Acted {
  /** with_dependents: how many canceled jobs came back; `reblamed`: still canceled, now naming another parent. */
  dependents: number;
  reblamed: boolean;
}

/**
 * Retry, cancel or remove for the jobs a user selected, or for "all N matching this filter" (the dashboard's
 * bulk actions): one transaction, all or none, so a filter never half-applies. Each job goes the way its own
 * method would take it: a dead job back to pending as `dlq.retry` does, any other finished one as
 * `job.retry` (its waiting children count it again); a cancel as `cancel` (its waiting children canceled with it, running
 * runs killed after the commit); a remove as `job.remove`. A job the action does not fit refuses the whole
 * call with INVALID_STATE naming it.
 */
export async function jobsBulk(ctx: EngineContext, raw: unknown): Promise<ResultOf<'jobs.bulk'>> {
  const params = asParams(raw);
  const action = params.action;
  if (!(BULK_ACTIONS as readonly unknown[]).includes(action)) {
    throw invalid(`action must be one of ${BULK_ACTIONS.join(', ')}, got ${JSON.stringify(action)}`);
  }
  const expected = optionalInt(params, 'expect_count', 0, MAX_BULK_JOBS);
  const withDependents = optionalBool(params, 'with_dependents');
  if (withDependents && action !== 'retry') throw invalid('with_dependents goes with action "retry" only');
  const named = params.ids === undefined ? null : resolveSelectedIds(ctx.store, params.ids, 'ids');
  const byFilter = ['state', 'queue', 'search', 'scheduled', 'created_after', 'created_before', 'finished_after', 'finished_before'].some(
    (field) => params[field] !== undefined,
  );
  if (named !== null && byFilter) throw invalid('give ids or a filter (state, queue, search), not both');
  const filter = named === null ? listFilter(params) : null;
  if (filter?.queue !== undefined && ctx.store.queueInfo(filter.queue) === null) throw unknownQueue(ctx, filter.queue);

  const stopping = new Set(ctx.pool.running().map((run) => run.jobId));
  const now = Date.now();
  const done = ctx.store.db.transaction((): BulkDone => {
    const ids = named ?? ctx.store.matchingIds(filter!, MAX_BULK_JOBS + 1);
    if (ids.length > MAX_BULK_JOBS) {
      throw invalid(`the filter matches more than ${MAX_BULK_JOBS} jobs; narrow it (by state, queue or search) and repeat`);
    }
    if (expected !== undefined && ids.length !== expected) {
      throw new QueueError('INVALID_STATE', `the filter now matches ${ids.length} jobs, not the ${expected} confirmed; nothing was changed`, { count: ids.length });
    }
    const done = act(ctx, action as BulkAction, ids, stopping, now);
    if (!withDependents) return { ...done, dependents: 0, reblamed: false };
    const { restored, reblamed } = ctx.store.restoreDependents(ids, now);
    return { ...done, changed: [...done.changed, ...restored], dependents: restored.length, reblamed: reblamed.length > 0 };
  })();

  if (action === 'remove') {
    ctx.changedMany();
    await ctx.jobLogs.deleteLogs(done.ids);
  }
  // Before the announcement, as `job.retry` does: nothing can start the job before this turn ends.
  for (const row of done.changed) ctx.changed(row);
  // Still canceled, now naming another parent: subscribers re-read (not ctx.changed: no new end, no on_finish).
  if (done.reblamed) ctx.changedMany();
  if (action === 'cancel') {
    const killed = done.ids.filter((id) => ctx.pool.kill(id, 'canceled'));
    await Promise.all(killed.map((id) => ctx.pool.untilGone(id, WORKER_OVERDUE_MS + 2000)));
  }
  return { action: action as BulkAction, count: done.ids.length, ids: done.ids.slice(0, MAX_LISTED_RETRIES), dependents: done.dependents };
}

/** The action on every job, inside the caller's transaction; throws (rolling all back) at the first that does not fit. */
function act(ctx: EngineContext, action: BulkAction, ids: string[], stopping: Set<string>, now: number): Acted {
  const refuse = (id: string, what: string): never => {
    const state = ctx.store.getJob(id)?.state;
    throw new QueueError('INVALID_STATE', `job ${id} is ${state}${stopping.has(id) ? ' and still being stopped' : ''}; ${what}. Nothing was changed`, { id, state });
  };
  const changed: JobRow[] = [];
  if (action === 'remove') {
    for (const id of ids) if (stopping.has(id)) refuse(id, 'try again in a moment');
    ctx.store.remove(ids);
    return { ids, changed };
  }
  if (action === 'retry') {
    for (const id of ids) {
      if (stopping.has(id)) refuse(id, 'try again in a moment');
      const dead = ctx.store.getJob(id)?.state === 'dead';
      const row = dead ? ctx.store.retryDead(id, now) : ctx.store.retryJob(id, now);
      if (!row) refuse(id, 'only failed, dead, canceled and completed jobs can be retried');
      changed.push(row!, ...(dead ? [] : ctx.store.recountChildren(row!.id, now)));
    }
    return { ids, changed };
  }
  // Cancel: a job canceled a moment ago as the child of another named job counts as done.
  const canceledHere = new Set<string>();
  for (const id of ids) {
    if (canceledHere.has(id)) continue;
    const row = ctx.store.cancel(id, now);
    if (!row) refuse(id, 'only pending, failed and processing jobs can be canceled');
    changed.push(row!);
    for (const child of ctx.store.settleDependents(row!, now)) {
      canceledHere.add(child.id);
      changed.push(child);
    }
  }
  return { ids, changed };
}
