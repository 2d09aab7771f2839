import type pg from 'pg';
import { QueueError } from '../../../../protocol/index.js';
import type { JobRow } from '../rows.js';
import { canceledFor } from '../transitions/dependencies.js';
import { generateId, type NewJob, type StoredEnv } from '../transitions/enqueue.js';
import { at, one, query, rows } from './db.js';
import { insertJobs, NO_PARENTS, type NewRow, type Parents } from './insert-jobs.js';

/** Makes each named queue's row (default settings) in the caller's transaction. */
export async function ensureQueues(c: pg.PoolClient, names: readonly string[]): Promise<void> {
  await c.query('INSERT INTO queuectl.queues (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING', [[...new Set(names)]]);
}

/** The row id of an environment, stored if its content is new. */
export async function storeEnv(c: pg.PoolClient, env: StoredEnv): Promise<number> {
  const found = await one<{ id: number }>(c, 'SELECT id FROM queuectl.environments WHERE digest = $1', [env.digest]);
  if (found) return found.id;
  const added = await one<{ id: number }>(
    c,
    `INSERT INTO queuectl.environments (digest, vars) VALUES ($1, $2) ON CONFLICT (digest) DO UPDATE SET vars = excluded.vars RETURNING id`,
    [env.digest, env.vars],
  );
  return added!.id;
}

async function parentsOf(c: pg.PoolClient, job: NewJob): Promise<Parents> {
  const ids = job.after ?? [];
  if (ids.length === 0) return NO_PARENTS;
  const states = new Map(
    (await rows<{ id: string; state: JobRow['state'] }>(c, 'SELECT id, state FROM queuectl.jobs WHERE id = ANY($1::text[])', [ids])).map((r) => [r.id, r.state]),
  );
  let waiting = 0;
  let ended: Parents['ended'] = null;
  for (const parent of ids) {
    const state = states.get(parent);
    if (state === undefined) throw new QueueError('INVALID_ARGUMENT', `parent job "${parent}" does not exist (any more); nothing was enqueued`, { parent });
    if (state !== 'completed') waiting++;
    if (ended === null && (state === 'dead' || state === 'canceled')) ended = { id: parent, state };
  }
  return { ids, waiting, ended };
}

async function linkParents(c: pg.PoolClient, id: string, parents: Parents, now: number): Promise<JobRow | null> {
  if (parents.ids.length === 0) return null;
  await c.query('INSERT INTO queuectl.job_deps (parent_id, child_id) SELECT unnest($1::text[]), $2', [parents.ids, id]);
  if (parents.ended === null) return null;
  return one<JobRow>(
    c,
    `UPDATE queuectl.jobs SET state = 'canceled', canceled_by = $2, last_error = $3, finished_at = $4, updated_at = $4 WHERE id = $1 RETURNING *`,
    [id, parents.ended.id, canceledFor(parents.ended.id, parents.ended.state), at(now)],
  );
}

const duplicate = (id: string): QueueError => new QueueError('DUPLICATE_ID', `a job with id "${id}" exists already`, { id });

/** One job (with its queue row, environment, parents' edges), in the caller's transaction. */
export async function enqueueOne(c: pg.PoolClient, job: NewJob, now: number): Promise<JobRow> {
  await ensureQueues(c, [job.queue]);
  const parents = await parentsOf(c, job);
  const env = job.env ? await storeEnv(c, job.env) : null;
  for (let tries = 0; tries < 5; tries++) {
    const insert = insertJobs([{ id: job.id ?? generateId(), job, parents, env }], now);
    const row = await one<JobRow>(c, `${insert.sql} ON CONFLICT (id) DO NOTHING RETURNING *`, insert.params);
    if (row) return (await linkParents(c, row.id, parents, now)) ?? row;
    if (job.id !== null) throw duplicate(job.id);
  }
  throw new Error('could not generate a unique job id in 5 tries');
}

/** The jobs' foreign key to their environment refused the row: the environment went with its last job meanwhile. */
const envGone = (err: unknown): boolean => (err as { code?: string }).code === '23503' && (err as { constraint?: string }).constraint === 'jobs_env_id_fkey';

/**
 * One job without parents, outside a transaction: the usual `queuectl enqueue`, in two round trips instead of
 * five (its environment looked up, then one INSERT that also makes its queue's row if the job went in; the
 * statement is atomic by itself). A new environment, or one deleted with its last job between the two, goes the whole way
 * (enqueueOne in a transaction), so nothing is left half stored.
 */
export async function enqueueAlone(pool: pg.Pool, job: NewJob, now: number, whole: () => Promise<JobRow>): Promise<JobRow> {
  let env: number | null = null;
  if (job.env) {
    const found = await one<{ id: number }>(pool, 'SELECT id FROM queuectl.environments WHERE digest = $1', [job.env.digest]);
    if (!found) return whole();
    env = found.id;
  }
  for (let tries = 0; tries < 5; tries++) {
    const insert = insertJobs([{ id: job.id ?? generateId(), job, parents: NO_PARENTS, env }], now);
    const queue = `$${insert.params.push(job.queue)}`;
    let row: JobRow | null;
    try {
      row = await one<JobRow>(
        pool,
        `WITH job AS (${insert.sql} ON CONFLICT (id) DO NOTHING RETURNING *),
           queue_row AS (INSERT INTO queuectl.queues (name) SELECT ${queue}::text WHERE EXISTS (SELECT 1 FROM job) ON CONFLICT (name) DO NOTHING)
         SELECT * FROM job`,
        insert.params,
      );
    } catch (err) {
      if (envGone(err)) return whole();
      throw err;
    }
    if (row) return row;
    if (job.id !== null) throw duplicate(job.id);
  }
  throw new Error('could not generate a unique job id in 5 tries');
}

/** A generated id not in `inUse`, then added to it. */
function freshId(inUse: Set<string>): string {
  let id: string;
  do id = generateId();
  while (inUse.has(id));
  inUse.add(id);
  return id;
}

/**
 * Makes the batch's ids distinct: an id chosen twice is DUPLICATE_ID; a generated one drawn twice, or equal to
 * a chosen one, is drawn again (a batch of 20,000 draws some 40-bit id twice about once in 5,500 batches).
 */
function makeDistinct(jobs: readonly NewJob[], ids: string[]): void {
  const inUse = new Set<string>();
  for (const { id } of jobs) {
    if (id === null) continue;
    if (inUse.has(id)) throw duplicate(id);
    inUse.add(id);
  }
  ids.forEach((id, i) => {
    if (jobs[i]!.id !== null) return;
    if (inUse.has(id)) ids[i] = freshId(inUse);
    else inUse.add(id);
  });
}

/**
 * Rows per INSERT of a batch: well under a second of the server's work even on a busy 2-core machine, so no
 * statement of the largest all-or-nothing batch (MAX_HELD_JOBS) comes near the statement deadline
 * (connect.ts); and a batch of several statements has each next one built while the server runs the last.
 */
const INSERT_ROWS = 5_000;

/** `indexes` in runs of INSERT_ROWS, one INSERT each. */
function slices(indexes: readonly number[]): number[][] {
  const runs: number[][] = [];
  for (let from = 0; from < indexes.length; from += INSERT_ROWS) runs.push(indexes.slice(from, from + INSERT_ROWS));
  return runs;
}

/** A unique violation of the jobs' id: a job with that id exists (or was inserted earlier in the statement). */
const idTaken = (err: unknown): boolean => (err as { code?: string }).code === '23505' && (err as { constraint?: string }).constraint === 'jobs_id_key';

/**
 * Runs one statement per item, in order: each is built and sent while the server runs the one before (pg
 * queues it), so building them costs no wall time but the first's. Throws the first statement's error, after
 * the rest (refused in the aborted transaction) have answered.
 */
async function pipelined<T>(c: pg.PoolClient, items: readonly T[], build: (item: T) => { sql: string; params: unknown[] }): Promise<void> {
  const sent: Array<Promise<unknown>> = [];
  for (const item of items) {
    const { sql, params } = build(item);
    sent.push(query(c, sql, params));
  }
  const failed = (await Promise.allSettled(sent)).find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Many jobs, all or none, in the caller's transaction. Without parents (the usual batch) every INSERT_ROWS jobs
 * are one plain INSERT (insertJobs), after a savepoint, with the ids as drawn. Only when the unique index
 * finds an id taken (stored before, or twice in the batch) does the batch go back to the savepoint and take
 * the careful path, insertAroundTaken: ON CONFLICT and RETURNING cost a fifth of the server's insert. A batch
 * naming parents goes job by job, so a child sees a parent stored earlier in it.
 */
export async function enqueueBatch(c: pg.PoolClient, jobs: readonly NewJob[], now: number): Promise<string[]> {
  await ensureQueues(c, jobs.map((j) => j.queue));
  if (jobs.some((j) => (j.after ?? []).length > 0)) {
    const ids: string[] = [];
    for (const job of jobs) ids.push((await enqueueOne(c, job, now)).id);
    return ids;
  }
  const envIds = new Map<string, number>();
  for (const job of jobs) if (job.env && !envIds.has(job.env.digest)) envIds.set(job.env.digest, await storeEnv(c, job.env));
  const ids = jobs.map((job) => job.id ?? generateId());
  const rowsOf = (slice: readonly number[]): NewRow[] =>
    slice.map((i) => ({ id: ids[i]!, job: jobs[i]!, parents: NO_PARENTS, env: jobs[i]!.env ? envIds.get(jobs[i]!.env!.digest)! : null }));
  await c.query('SAVEPOINT enqueue_batch');
  try {
    await pipelined(c, slices(jobs.map((_, i) => i)), (slice) => insertJobs(rowsOf(slice), now));
    return ids;
  } catch (err) {
    if (!idTaken(err)) throw err;
    await c.query('ROLLBACK TO SAVEPOINT enqueue_batch');
  }
  await insertAroundTaken(c, jobs, ids, rowsOf, now);
  return ids;
}

/**
 * The batch again with its ids made distinct, each INSERT skipping the ids it finds taken and answering only
 * those (not every id stored): a chosen one is DUPLICATE_ID; a generated one is redrawn and inserted again.
 * Fills `ids`.
 */
async function insertAroundTaken(
  c: pg.PoolClient,
  jobs: readonly NewJob[],
  ids: string[],
  rowsOf: (slice: readonly number[]) => NewRow[],
  now: number,
): Promise<void> {
  makeDistinct(jobs, ids);
  let todo = jobs.map((_, i) => i);
  for (let tries = 0; todo.length > 0; tries++) {
    if (tries === 5) throw new Error('could not generate unique job ids in 5 tries');
    const missed: number[] = [];
    for (const slice of slices(todo)) {
      const insert = insertJobs(rowsOf(slice), now);
      const taken = await rows<{ id: string }>(
        c,
        `WITH stored AS (${insert.sql} ON CONFLICT (id) DO NOTHING RETURNING id) SELECT id FROM unnest($1::text[]) AS tried (id) EXCEPT SELECT id FROM stored`,
        insert.params,
      );
      const takenIds = new Set(taken.map((r) => r.id));
      missed.push(...slice.filter((i) => takenIds.has(ids[i]!)));
    }
    for (const i of missed) if (jobs[i]!.id !== null) throw duplicate(jobs[i]!.id!);
    const inUse = new Set(ids);
    for (const i of missed) ids[i] = freshId(inUse);
    todo = missed;
  }
}
