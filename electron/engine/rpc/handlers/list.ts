import { JOB_STATES, LIST_SORTS, MAX_FRAME_BYTES, QueueError, isJobState, type JobState, type ListSort, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { checkQueueName } from '../../job-spec.js';
import type { ListFilter } from '../../store/list-query.js';
import { toJob } from '../../store/rows.js';
import { asParams, invalid, optionalInt, type Params } from '../params.js';
import { unknownQueue } from './queue-pause.js';

/** An answer stops short of this many bytes, well inside one message. */
const LIST_BUDGET_BYTES = MAX_FRAME_BYTES * 0.75;
/** Longest search text; a command is at most 64 KiB, but nobody types a search that long. */
const MAX_SEARCH_LENGTH = 1000;

/**
 * A page of jobs: optionally of one state, of one named queue (which must exist), due or not (`scheduled`) and matching a search,
 * sorted (newest first by default), from an offset; as many as fit in one message. `total` counts every
 * job that matches the filters.
 */
export async function list(ctx: EngineContext, raw: unknown): Promise<ResultOf<'list'>> {
  const filter = listFilter(asParams(raw));
  const queue = filter.queue === undefined ? null : await ctx.store.queueInfo(filter.queue);
  if (filter.queue !== undefined && queue === null) throw await unknownQueue(ctx, filter.queue);
  const rows = await ctx.store.listJobs(filter);
  const jobs = [];
  let bytes = 0;
  for (const row of rows) {
    const job = toJob(row, ctx.paths.logs);
    bytes += Buffer.byteLength(JSON.stringify(job));
    if (bytes > LIST_BUDGET_BYTES) break;
    jobs.push(job);
  }
  return { jobs, total: await total(ctx, filter, rows.length, queue?.counts ?? null) };
}

/** Checks the params and fills in the defaults (also `jobs.bulk`'s filter). */
export function listFilter(params: Params): ListFilter {
  const { state, queue, search, sort, order, scheduled } = params;
  if (scheduled !== undefined && scheduled !== null && typeof scheduled !== 'boolean') throw invalid('scheduled must be true or false');
  if (state !== undefined && state !== null && !isJobState(state)) {
    throw new QueueError('INVALID_ARGUMENT', `unknown state ${JSON.stringify(state)}; states are ${JOB_STATES.join(', ')}`);
  }
  if (search !== undefined && search !== null && typeof search !== 'string') throw invalid('search must be a string');
  if (typeof search === 'string' && search.length > MAX_SEARCH_LENGTH) {
    throw invalid(`search must be at most ${MAX_SEARCH_LENGTH} characters, got ${search.length}`);
  }
  if (sort !== undefined && sort !== null && !(LIST_SORTS as readonly unknown[]).includes(sort)) {
    throw invalid(`unknown sort ${JSON.stringify(sort)}; sorts are ${LIST_SORTS.join(', ')}`);
  }
  if (order !== undefined && order !== null && order !== 'asc' && order !== 'desc') {
    throw invalid(`order must be "asc" or "desc", got ${JSON.stringify(order)}`);
  }
  return {
    state: state ?? undefined,
    queue: queue === undefined || queue === null ? undefined : checkQueueName(queue, 'queue'),
    search: search || undefined,
    scheduled: typeof scheduled === 'boolean' ? scheduled : undefined,
    createdAfter: optionalInstant(params, 'created_after'),
    createdBefore: optionalInstant(params, 'created_before'),
    finishedAfter: optionalInstant(params, 'finished_after'),
    finishedBefore: optionalInstant(params, 'finished_before'),
    sort: (sort as ListSort | null | undefined) ?? 'created',
    order: order ?? 'desc',
    offset: optionalInt(params, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0,
    limit: optionalInt(params, 'limit', 1, 100_000) ?? 50,
  };
}

/**
 * How many jobs match: the state counters (the queue's, with a queue filter) when there is no search, no
 * `scheduled` and no date bound; a count of the matches otherwise, unless this page already ended before the limit (then the matches are
 * exactly the offset plus the page).
 */
async function total(ctx: EngineContext, filter: ListFilter, pageLength: number, queueCounts: Record<JobState, number> | null): Promise<number> {
  const narrowed = [filter.scheduled, filter.createdAfter, filter.createdBefore, filter.finishedAfter, filter.finishedBefore].some((v) => v !== undefined);
  if (!filter.search && !narrowed) {
    const counts = queueCounts ?? (await ctx.store.counts());
    return filter.state ? counts[filter.state] : Object.values(counts).reduce((a, b) => a + b, 0);
  }
  if (pageLength < filter.limit && (pageLength > 0 || filter.offset === 0)) return filter.offset + pageLength;
  return await ctx.store.countMatching(filter);
}

/** An ISO instant param as epoch ms, or undefined when absent. */
function optionalInstant(params: Params, field: string): number | undefined {
  const value = params[field];
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(`${field} must be an ISO date and time, got ${JSON.stringify(value)}`);
  return ms;
}
