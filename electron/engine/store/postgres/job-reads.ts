import { JOB_STATES, QueueError, type JobState, type ListSort } from '../../../../protocol/index.js';
import { likePattern, type ListFilter, type Matching } from '../list-query.js';
import type { AttemptRow, JobRow } from '../rows.js';
import type { StoredEnv } from '../transitions/enqueue.js';
import type pg from 'pg';
import { at, inTransaction, LOCKS, one, rows, type Queryable } from './db.js';

/** Per queue, jobs per state. */
export type QueueCounts = Map<string, Record<JobState, number>>;

export const zeroCounts = (): Record<JobState, number> => Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;

/**
 * The counters: folds every delta row into one per (queue, state) and answers the sums, in one transaction
 * under the `counts` lock, so two folds never split one set of rows between them. The deltas a fold cannot
 * see yet (uncommitted) are folded by a later one.
 */
export async function queueCounts(pool: pg.Pool): Promise<QueueCounts> {
  const totals = await inTransaction(pool, async (c) => {
    await c.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.counts]);
    return rows<{ queue: string; state: JobState; n: number }>(
      c,
      `WITH gone AS (DELETE FROM queuectl.state_deltas RETURNING queue, state, n),
         summed AS (SELECT queue, state, sum(n)::bigint AS n FROM gone GROUP BY queue, state),
         kept AS (INSERT INTO queuectl.state_deltas (queue, state, n) SELECT queue, state, n FROM summed WHERE n <> 0)
       SELECT queue, state, n FROM summed WHERE n <> 0`,
    );
  });
  const byQueue: QueueCounts = new Map();
  for (const { queue, state, n } of totals) {
    let c = byQueue.get(queue);
    if (!c) byQueue.set(queue, (c = zeroCounts()));
    c[state] = n;
  }
  return byQueue;
}

/** The ORDER BY key of each sort, as list-query.ts has them (NOCASE → lower()). */
const SORT_KEYS: Record<ListSort, string> = {
  created: 'seq',
  updated: 'updated_at',
  priority: 'priority',
  attempts: 'attempts',
  state: 'state',
  command: 'lower(command)',
  queue: 'queue',
  name: 'lower(name)',
  started: 'started_at',
  finished: 'finished_at',
  duration: 'finished_at - started_at',
};

const BOUNDS = [
  ['createdAfter', 'created_at >='],
  ['createdBefore', 'created_at <'],
  ['finishedAfter', 'finished_at >='],
  ['finishedBefore', 'finished_at <'],
] as const;

/** The WHERE clause of a filter, numbered from $1; values bound. */
function where(filter: Matching): { sql: string; values: unknown[] } {
  const terms: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  if (filter.state) terms.push(`state = ${param(filter.state)}`);
  if (filter.queue) terms.push(`queue = ${param(filter.queue)}`);
  if (filter.scheduled !== undefined) terms.push(`${filter.scheduled ? '' : 'NOT '}(state IN ('pending','failed') AND run_at > ${param(at(Date.now()))})`);
  for (const [field, term] of BOUNDS) if (filter[field] !== undefined) terms.push(`${term} ${param(at(filter[field]!))}`);
  if (filter.search) {
    const p = param(likePattern(filter.search));
    terms.push(`(command ILIKE ${p} ESCAPE '\\' OR name ILIKE ${p} ESCAPE '\\')`);
  }
  return { sql: terms.length ? `WHERE ${terms.join(' AND ')}` : '', values };
}

/** The ids of the jobs matching `filter`, in enqueue order, at most `limit`. */
export async function matchingIdsIn(db: Queryable, filter: Matching, limit: number): Promise<string[]> {
  const w = where(filter);
  return (await rows<{ id: string }>(db, `SELECT id FROM queuectl.jobs ${w.sql} ORDER BY seq LIMIT $${w.values.length + 1}`, [...w.values, limit])).map((r) => r.id);
}

/** An exact id wins, else a unique prefix (queries.ts, schedule-queries.ts); the errors name the kind. */
export async function resolvePrefix(db: Queryable, table: 'jobs' | 'schedules', idOrPrefix: string): Promise<string> {
  const kind = table === 'jobs' ? 'job' : 'schedule';
  if (idOrPrefix === '') throw new QueueError('INVALID_ARGUMENT', `${kind} id must not be empty`);
  const matches = (
    await rows<{ id: string }>(db, `SELECT id FROM queuectl.${table} WHERE id >= $1 AND id < $2 ORDER BY id <> $1, id LIMIT 6`, [idOrPrefix, idOrPrefix + '\u{10FFFF}'])
  ).map((r) => r.id);
  if (matches[0] === idOrPrefix || matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    if (table === 'jobs') throw new QueueError('JOB_NOT_FOUND', `no job with id or prefix "${idOrPrefix}"`, { id: idOrPrefix });
    throw new QueueError('SCHEDULE_NOT_FOUND', `no schedule with id or prefix "${idOrPrefix}" (queuectl schedule list shows them)`, { id: idOrPrefix });
  }
  const shown = matches.slice(0, 5).join(', ') + (matches.length > 5 ? ', …' : '');
  throw new QueueError('AMBIGUOUS_ID', `"${idOrPrefix}" matches several ${kind}s (${shown}); type more of the id`, { id: idOrPrefix, matches: matches.slice(0, 5) });
}

/** Reads of jobs, their runs and environments (store/queries.ts and store/list-query.ts, on PostgreSQL). */
export function jobReads(pool: pg.Pool) {
  return {
    getJob: (id: string): Promise<JobRow | null> => one<JobRow>(pool, 'SELECT * FROM queuectl.jobs WHERE id = $1', [id]),
    resolveId: (idOrPrefix: string): Promise<string> => resolvePrefix(pool, 'jobs', idOrPrefix),
    attempts: (id: string): Promise<AttemptRow[]> =>
      rows<AttemptRow>(
        pool,
        `SELECT number, worker_id, started_at, finished_at, outcome, exit_code, signal, error, log_start, last_line
         FROM queuectl.attempts WHERE job_id = $1 ORDER BY number`,
        [id],
      ),
    environment: async (envId: number | null): Promise<StoredEnv | null> =>
      envId === null ? null : one<StoredEnv>(pool, 'SELECT vars, digest FROM queuectl.environments WHERE id = $1', [envId]),
    async counts(): Promise<Record<JobState, number>> {
      const out = zeroCounts();
      for (const c of (await queueCounts(pool)).values()) for (const s of JOB_STATES) out[s] += c[s];
      return out;
    },
    nextRunAt: async (now: number): Promise<number | null> =>
      (await one<{ t: number | null }>(pool, `SELECT queuectl.next_run_at($1) AS t`, [at(now)]))?.t ?? null,
    async listJobs(filter: ListFilter): Promise<JobRow[]> {
      const w = where(filter);
      const dir = filter.order === 'asc' ? 'ASC' : 'DESC';
      const nulls = dir === 'ASC' ? 'NULLS FIRST' : 'NULLS LAST';
      const n = w.values.length;
      return rows<JobRow>(
        pool,
        `SELECT * FROM queuectl.jobs ${w.sql} ORDER BY ${SORT_KEYS[filter.sort]} ${dir} ${nulls}, seq ${dir} LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...w.values, filter.limit, filter.offset],
      );
    },
    matchingIds: (filter: Matching, limit: number): Promise<string[]> => matchingIdsIn(pool, filter, limit),
    async countMatching(filter: Matching): Promise<number> {
      const w = where(filter);
      return (await one<{ n: number }>(pool, `SELECT count(*) AS n FROM queuectl.jobs ${w.sql}`, w.values))!.n;
    },
  };
}
