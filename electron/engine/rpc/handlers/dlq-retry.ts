import { MAX_LISTED_RETRIES, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import type { DeadSelection } from '../../store/api.js';
import { toJob } from '../../store/rows.js';
import { asParams, invalid, optionalBool, requireString } from '../params.js';
import { resolveSelectedIds } from '../selected-ids.js';

/**
 * dead → pending with attempts reset: one job, several (all or none), or every dead job. with_dependents:
 * the jobs their deaths canceled come back too (transitively), in the same transaction; they are counted
 * apart (`dependents`), not in count or jobs. `all` leaves dead every job that would wait forever for a
 * parent left canceled or dead; count and jobs hold only the jobs that came back.
 */
export async function dlqRetry(ctx: EngineContext, raw: unknown): Promise<ResultOf<'dlq.retry'>> {
  const params = asParams(raw);
  const all = optionalBool(params, 'all');
  const withDependents = optionalBool(params, 'with_dependents');
  const given = [params.id !== undefined, params.ids !== undefined, all].filter(Boolean).length;
  if (given !== 1) throw invalid('give exactly one of id, ids (an array) or all: true');
  const now = Date.now();
  const ids = params.ids === undefined ? null : await resolveSelectedIds(ctx.store, params.ids, 'ids');
  const selection: DeadSelection = all ? { all: true } : ids !== null ? { ids } : { id: await ctx.store.resolveId(requireString(params, 'id')) };
  const { rows, dependents, reblamed } = await ctx.store.retryDead(selection, now, withDependents);
  if (all) {
    if (rows.length > 0) ctx.changedMany();
  } else {
    for (const row of [...rows, ...dependents]) ctx.changed(row);
    // Still canceled, now naming another parent: subscribers re-read (not ctx.changed: no new end, no on_finish).
    if (reblamed.length > 0) ctx.changedMany();
  }
  return { count: rows.length, jobs: rows.slice(0, MAX_LISTED_RETRIES).map((r) => toJob(r, ctx.paths.logs)), dependents: dependents.length };
}
