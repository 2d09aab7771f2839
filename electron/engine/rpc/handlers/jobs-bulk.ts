import { BULK_ACTIONS, MAX_BULK_JOBS, MAX_LISTED_RETRIES, type BulkAction, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { WORKER_OVERDUE_MS } from '../../pool.js';
import type { BulkDone, BulkRequest } from '../../store/api.js';
import { asParams, invalid, optionalBool, optionalInt } from '../params.js';
import { resolveSelectedIds } from '../selected-ids.js';
import { listFilter } from './list.js';
import { unknownQueue } from './queue-pause.js';

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
  const named = params.ids === undefined ? null : await resolveSelectedIds(ctx.store, params.ids, 'ids');
  const byFilter = ['state', 'queue', 'search', 'scheduled', 'created_after', 'created_before', 'finished_after', 'finished_before'].some(
    (field) => params[field] !== undefined,
  );
  if (named !== null && byFilter) throw invalid('give ids or a filter (state, queue, search), not both');
  const filter = named === null ? listFilter(params) : null;
  if (filter?.queue !== undefined && (await ctx.store.queueInfo(filter.queue)) === null) throw await unknownQueue(ctx, filter.queue);

  const request = (): BulkRequest => ({
    action: action as BulkAction,
    ids: named,
    filter,
    max: MAX_BULK_JOBS,
    expected,
    stopping: new Set(ctx.pool.running().map((run) => run.jobId)),
    withDependents,
    now: Date.now(),
  });
  let done: BulkDone;
  if (action === 'remove') {
    // As job.remove, through JobLogs.removeJobs; by filter, the ids are known only from the commit (null).
    const removal = await ctx.jobLogs.removeJobs(named, () => ctx.store.bulk(request()), (bulk) => bulk.ids);
    done = removal.done;
    ctx.changedMany();
    await removal.logsDeleted;
  } else {
    done = await ctx.store.bulk(request());
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
