import type pg from 'pg';
import { DEFAULT_UMASK, QueueError } from '../../../../protocol/index.js';
import type { JobRow } from '../rows.js';
import { canceledFor } from '../transitions/dependencies.js';
import { generateId, type NewJob, type StoredEnv } from '../transitions/enqueue.js';
import { at, one, rows } from './db.js';

/** The columns every insert fills, in the order of `values` and of the unnest arrays' types. */
const COLUMNS = `id, name, command, state, max_retries, priority, timeout_ms, cwd, run_at, created_at, updated_at,
  queue, schedule_id, scheduled_for, depends_on, waiting_on, env_id, umask, notify, keep_children`;
const ARRAY_TYPES = [
  'text', 'text', 'text', 'text', 'int', 'int', 'bigint', 'text', 'timestamptz', 'timestamptz', 'timestamptz',
  'text', 'text', 'timestamptz', 'text', 'int', 'bigint', 'int', 'boolean', 'boolean',
];

interface Parents {
  ids: readonly string[];
  waiting: number;
  ended: { id: string; state: 'dead' | 'canceled' } | null;
}

const NO_PARENTS: Parents = { ids: [], waiting: 0, ended: null };

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

function values(id: string, job: NewJob, parents: Parents, now: number, env: number | null): unknown[] {
  return [
    id, job.name, job.command, 'pending', job.max_retries, job.priority, job.timeout_ms, job.cwd, at(Math.max(now, job.run_at ?? now)), at(now), at(now),
    job.queue, job.schedule?.id ?? null, job.schedule?.slot == null ? null : at(job.schedule.slot),
    parents.ids.length === 0 ? null : JSON.stringify(parents.ids), parents.waiting, env, job.umask ?? DEFAULT_UMASK, job.notify === true,
    job.keep_children === true,
  ];
}

const duplicate = (id: string): QueueError => new QueueError('DUPLICATE_ID', `a job with id "${id}" exists already`, { id });

/** One job (with its queue row, environment, parents' edges), in the caller's transaction. */
export async function enqueueOne(c: pg.PoolClient, job: NewJob, now: number): Promise<JobRow> {
  await ensureQueues(c, [job.queue]);
  const parents = await parentsOf(c, job);
  const env = job.env ? await storeEnv(c, job.env) : null;
  const placeholders = ARRAY_TYPES.map((_, i) => `$${i + 1}`).join(', ');
  for (let tries = 0; tries < 5; tries++) {
    const row = await one<JobRow>(
      c,
      `INSERT INTO queuectl.jobs (${COLUMNS}) VALUES (${placeholders}) ON CONFLICT (id) DO NOTHING RETURNING *`,
      values(job.id ?? generateId(), job, parents, now, env),
    );
    if (row) return (await linkParents(c, row.id, parents, now)) ?? row;
    if (job.id !== null) throw duplicate(job.id);
  }
  throw new Error('could not generate a unique job id in 5 tries');
}

/**
 * Rows per INSERT of a batch: about 0.5 s of the server's work on a busy 2-core machine, so no statement of
 * even the largest all-or-nothing batch (MAX_HELD_JOBS) comes near the statement deadline (connect.ts).
 */
const INSERT_ROWS = 10_000;

/**
 * Many jobs, all or none, in the caller's transaction. Without parents (the usual batch) every INSERT_ROWS jobs
 * are one INSERT from unnest()ed arrays; generated ids that collided are redrawn and inserted again (a chosen
 * one is DUPLICATE_ID). A batch naming parents goes job by job, so a child sees a parent stored earlier in it.
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
  const arrays = ARRAY_TYPES.map((t, k) => `$${k + 1}::${t}[]`).join(', ');
  let todo = jobs.map((_, i) => i);
  for (let tries = 0; todo.length > 0; tries++) {
    if (tries === 5) throw new Error('could not generate unique job ids in 5 tries');
    const missed: number[] = [];
    for (let from = 0; from < todo.length; from += INSERT_ROWS) {
      const slice = todo.slice(from, from + INSERT_ROWS);
      const columns: unknown[][] = ARRAY_TYPES.map(() => []);
      for (const i of slice) {
        const job = jobs[i]!;
        values(ids[i]!, job, NO_PARENTS, now, job.env ? envIds.get(job.env.digest)! : null).forEach((v, k) => columns[k]!.push(v));
      }
      const stored = new Set(
        (await rows<{ id: string }>(c, `INSERT INTO queuectl.jobs (${COLUMNS}) SELECT * FROM unnest(${arrays}) ON CONFLICT (id) DO NOTHING RETURNING id`, columns)).map(
          (r) => r.id,
        ),
      );
      missed.push(...slice.filter((i) => !stored.has(ids[i]!)));
    }
    // A chosen id, or one given twice in the batch: the second is the duplicate.
    for (const i of missed) if (jobs[i]!.id !== null) throw duplicate(jobs[i]!.id!);
    for (const i of missed) ids[i] = generateId();
    todo = missed;
  }
  return ids;
}
