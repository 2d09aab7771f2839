import type pg from 'pg';
import { QueueError } from '../../../../protocol/index.js';
import type { BulkDone, BulkRequest, DeadSelection, RetriedDead, RetriedJob } from '../api.js';
import type { JobRow } from '../rows.js';
import type { NewJob } from '../transitions/enqueue.js';
import { RETRYABLE_STATES } from '../transitions/retry-job.js';
import { at, inTransaction, one, rows } from './db.js';
import { recountChildren, recountWaiting, requireLiveParents, restoreDependents, settleDependents } from './dependencies.js';
import { enqueueAlone, enqueueBatch, enqueueOne } from './enqueue.js';
import { matchingIdsIn } from './job-reads.js';

/*
 * The user's moves of jobs, each one transaction with the same guards and errors as store/transitions/ and
 * the handlers that combine them today (cancel.ts, job-retry.ts, dlq-retry.ts, jobs-bulk.ts).
 */

const stateOf = async (c: pg.PoolClient, id: string): Promise<string | undefined> =>
  (await one<{ state: string }>(c, 'SELECT state FROM queuectl.jobs WHERE id = $1', [id]))?.state;

async function cancelIn(c: pg.PoolClient, id: string, now: number): Promise<JobRow | null> {
  const row = await one<JobRow>(
    c,
    `UPDATE queuectl.jobs SET state = 'canceled', finished_at = $2, updated_at = $2, last_error = 'canceled by the user', worker_id = NULL
     WHERE id = $1 AND state IN ('pending','failed','processing') RETURNING *`,
    [id, at(now)],
  );
  if (row) {
    await c.query(`UPDATE queuectl.attempts SET outcome = 'canceled', finished_at = $2, error = 'canceled by the user' WHERE job_id = $1 AND outcome = 'running'`, [
      id,
      at(now),
    ]);
  }
  return row;
}

const retryDeadOne = (c: pg.PoolClient, id: string, now: number): Promise<JobRow | null> =>
  one<JobRow>(c, `UPDATE queuectl.jobs SET state = 'pending', attempts = 0, run_at = $2, updated_at = $2 WHERE id = $1 AND state = 'dead' RETURNING *`, [id, at(now)]);

async function retryJobIn(c: pg.PoolClient, id: string, now: number): Promise<JobRow | null> {
  const before = await one<JobRow>(c, 'SELECT * FROM queuectl.jobs WHERE id = $1 FOR UPDATE', [id]);
  if (!before || !RETRYABLE_STATES.includes(before.state)) return null;
  await requireLiveParents(c, before, 'retried');
  const row = await one<JobRow>(
    c,
    `UPDATE queuectl.jobs SET state = 'pending', attempts = 0, run_at = $2, updated_at = $2, canceled_by = NULL
     WHERE id = $1 AND state IN ('failed','dead','canceled','completed') RETURNING *`,
    [id, at(now)],
  );
  return row ? recountWaiting(c, row, now) : null;
}

export function jobWrites(pool: pg.Pool) {
  return {
    enqueue: (job: NewJob, now: number): Promise<JobRow> => {
      const whole = (): Promise<JobRow> => inTransaction(pool, (c) => enqueueOne(c, job, now));
      return (job.after ?? []).length > 0 ? whole() : enqueueAlone(pool, job, now, whole);
    },
    enqueueMany: (jobs: readonly NewJob[], now: number): Promise<string[]> => inTransaction(pool, (c) => enqueueBatch(c, jobs, now)),

    cancel: (id: string, now: number): Promise<{ row: JobRow; dependents: JobRow[] } | null> =>
      inTransaction(pool, async (c) => {
        const row = await cancelIn(c, id, now);
        return row && { row, dependents: await settleDependents(c, row, now) };
      }),

    retryJob: (id: string, now: number, withDependents: boolean): Promise<RetriedJob | null> =>
      inTransaction(pool, async (c) => {
        const row = await retryJobIn(c, id, now);
        if (!row) return null;
        const held = await recountChildren(c, row.id, now);
        const { restored, reblamed } = withDependents ? await restoreDependents(c, [row.id], now) : { restored: [], reblamed: [] };
        return { row, held, restored, reblamed };
      }),

    retryDead: (selection: DeadSelection, now: number, withDependents: boolean): Promise<RetriedDead> =>
      inTransaction(pool, async (c) => {
        let found: JobRow[];
        if ('all' in selection) {
          found = await rows<JobRow>(
            c,
            `WITH RECURSIVE stuck (id) AS (
               SELECT c.id FROM queuectl.jobs c JOIN queuectl.job_deps d ON d.child_id = c.id JOIN queuectl.jobs p ON p.id = d.parent_id
               WHERE c.state = 'dead' AND p.state = 'canceled'
               UNION
               SELECT c.id FROM stuck s JOIN queuectl.job_deps d ON d.parent_id = s.id JOIN queuectl.jobs c ON c.id = d.child_id WHERE c.state = 'dead'
             )
             UPDATE queuectl.jobs SET state = 'pending', attempts = 0, run_at = $1, updated_at = $1
             WHERE state = 'dead' AND id NOT IN (SELECT id FROM stuck) RETURNING *`,
            [at(now)],
          );
          found.sort((a, b) => a.seq - b.seq);
        } else {
          const ids = 'ids' in selection ? selection.ids : [selection.id];
          found = [];
          for (const id of ids) {
            const row = await retryDeadOne(c, id, now);
            if (row) {
              found.push(row);
              continue;
            }
            const state = await stateOf(c, id);
            if (state === undefined) throw new QueueError('JOB_NOT_FOUND', `no job with id "${id}"; nothing was retried`, { id });
            const tail = 'ids' in selection ? '. Nothing was retried' : '';
            throw new QueueError('INVALID_STATE', `job ${id} is ${state}, not dead; only jobs in the DLQ can be retried${tail}`, { id, state });
          }
          for (const row of found) await requireLiveParents(c, row, 'retried');
        }
        const settled: JobRow[] = [];
        for (const row of found) settled.push(await recountWaiting(c, row, now));
        const { restored, reblamed } = withDependents ? await restoreDependents(c, settled.map((r) => r.id), now) : { restored: [], reblamed: [] };
        return { rows: settled, dependents: restored, reblamed };
      }),

    runNow: (id: string, now: number): Promise<JobRow | null> =>
      one<JobRow>(pool, `UPDATE queuectl.jobs SET run_at = $2, updated_at = $2 WHERE id = $1 AND state = 'pending' AND run_at > $2 RETURNING *`, [id, at(now)]),

    remove: (ids: readonly string[]): Promise<string[]> => inTransaction(pool, (c) => removeIn(c, ids)),

    purgeDead: async (): Promise<string[]> => (await rows<{ id: string }>(pool, `DELETE FROM queuectl.jobs WHERE state = 'dead' RETURNING id`)).map((r) => r.id),

    bulk: (request: BulkRequest): Promise<BulkDone> => inTransaction(pool, (c) => bulkIn(c, request)),
  };
}

/** Deletes named finished jobs, all or none (remove.ts). */
async function removeIn(c: pg.PoolClient, ids: readonly string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  for (const id of unique) {
    const gone = await c.query(`DELETE FROM queuectl.jobs WHERE id = $1 AND state IN ('completed','dead','canceled')`, [id]);
    if (gone.rowCount === 1) continue;
    const state = await stateOf(c, id);
    if (state === undefined) throw new QueueError('JOB_NOT_FOUND', `no job with id "${id}"; nothing was removed`, { id });
    throw new QueueError('INVALID_STATE', `job ${id} is ${state}; only completed, dead and canceled jobs can be removed (cancel it first). Nothing was removed`, {
      id,
      state,
    });
  }
  return unique;
}

/** jobs.bulk (rpc/handlers/jobs-bulk.ts): the selection, the confirmed count, the action on each, all or none. */
async function bulkIn(c: pg.PoolClient, r: BulkRequest): Promise<BulkDone> {
  const ids = r.ids ? [...r.ids] : await matchingIdsIn(c, r.filter!, r.max + 1);
  if (ids.length > r.max) {
    throw new QueueError('INVALID_ARGUMENT', `the filter matches more than ${r.max} jobs; narrow it (by state, queue or search) and repeat`);
  }
  if (r.expected !== undefined && ids.length !== r.expected) {
    throw new QueueError('INVALID_STATE', `the filter now matches ${ids.length} jobs, not the ${r.expected} confirmed; nothing was changed`, { count: ids.length });
  }
  const refuse = async (id: string, what: string): Promise<never> => {
    const state = await stateOf(c, id);
    throw new QueueError('INVALID_STATE', `job ${id} is ${state}${r.stopping.has(id) ? ' and still being stopped' : ''}; ${what}. Nothing was changed`, { id, state });
  };
  const changed: JobRow[] = [];
  if (r.action === 'remove') {
    for (const id of ids) if (r.stopping.has(id)) await refuse(id, 'try again in a moment');
    await removeIn(c, ids);
  } else if (r.action === 'retry') {
    for (const id of ids) {
      if (r.stopping.has(id)) await refuse(id, 'try again in a moment');
      const dead = (await stateOf(c, id)) === 'dead';
      const row = dead ? await retryDeadOne(c, id, r.now) : await retryJobIn(c, id, r.now);
      if (!row) return refuse(id, 'only failed, dead, canceled and completed jobs can be retried');
      changed.push(row, ...(dead ? [] : await recountChildren(c, row.id, r.now)));
    }
  } else {
    const canceledHere = new Set<string>();
    for (const id of ids) {
      if (canceledHere.has(id)) continue;
      const row = await cancelIn(c, id, r.now);
      if (!row) return refuse(id, 'only pending, failed and processing jobs can be canceled');
      changed.push(row);
      for (const child of await settleDependents(c, row, r.now)) {
        canceledHere.add(child.id);
        changed.push(child);
      }
    }
  }
  if (!r.withDependents) return { ids, changed, dependents: 0, reblamed: false };
  const { restored, reblamed } = await restoreDependents(c, ids, r.now);
  return { ids, changed: [...changed, ...restored], dependents: restored.length, reblamed: reblamed.length > 0 };
}
