import type pg from 'pg';
import type { JobRow } from '../rows.js';
import { canceledFor, endedParentError } from '../transitions/dependencies.js';
import { at, one, rows } from './db.js';

/*
 * The parent/child rules of store/transitions/dependencies.ts on PostgreSQL, each inside its caller's
 * transaction: counts taken afresh from the parents' states (never decremented), a dead or canceled parent
 * cancels its children not started, transitively. Read that file for the reasons; the SQL is the same.
 */

/** A job's parents not completed: the server's waiting_count (migration 0002), also used by its step. */
const COUNT_WAITING = `queuectl.waiting_count(jobs.id)`;

const pendingChildren = (c: pg.PoolClient, parent: string): Promise<JobRow[]> =>
  rows<JobRow>(c, `SELECT c.* FROM queuectl.job_deps d JOIN queuectl.jobs c ON c.id = d.child_id WHERE d.parent_id = $1 AND c.state = 'pending' ORDER BY c.seq`, [parent]);

const recount = (c: pg.PoolClient, id: string, now: number): Promise<JobRow | null> =>
  one<JobRow>(c, `UPDATE queuectl.jobs SET waiting_on = ${COUNT_WAITING}, updated_at = $2 WHERE id = $1 RETURNING *`, [id, at(now)]);

/** A completed parent's pending children counted again; those whose count moved (the server's recount_children). */
export function recountChildren(c: pg.PoolClient, parentId: string, now: number): Promise<JobRow[]> {
  return rows<JobRow>(c, `SELECT * FROM queuectl.recount_children($1, $2)`, [parentId, at(now)]);
}

export async function recountWaiting(c: pg.PoolClient, row: JobRow, now: number): Promise<JobRow> {
  return row.depends_on === null ? row : (await recount(c, row.id, now))!;
}

export async function settleDependents(c: pg.PoolClient, parent: JobRow, now: number): Promise<JobRow[]> {
  if (parent.state === 'completed') return recountChildren(c, parent.id, now);
  if (parent.state !== 'dead' && parent.state !== 'canceled') return [];
  const changed: JobRow[] = [];
  const ended: Array<{ id: string; state: 'dead' | 'canceled' }> = [{ id: parent.id, state: parent.state }];
  for (let i = 0; i < ended.length; i++) {
    const { id, state } = ended[i]!;
    for (const child of await pendingChildren(c, id)) {
      const row = await one<JobRow>(
        c,
        `UPDATE queuectl.jobs SET state = 'canceled', canceled_by = $2, last_error = $3, finished_at = $4, updated_at = $4
         WHERE id = $1 AND state = 'pending' RETURNING *`,
        [child.id, id, canceledFor(id, state), at(now)],
      );
      if (!row) continue;
      changed.push(row);
      ended.push({ id: row.id, state: 'canceled' });
    }
  }
  return changed;
}

export function endedParentOf(c: pg.PoolClient, id: string): Promise<{ id: string; state: 'dead' | 'canceled' } | null> {
  return one(
    c,
    `SELECT p.id, p.state FROM queuectl.job_deps d JOIN queuectl.jobs p ON p.id = d.parent_id
     WHERE d.child_id = $1 AND p.state IN ('dead','canceled') ORDER BY p.seq LIMIT 1`,
    [id],
  );
}

export async function requireLiveParents(c: pg.PoolClient, job: JobRow, verb: string): Promise<void> {
  const parent = await endedParentOf(c, job.id);
  if (parent !== null) throw endedParentError(job, parent, verb);
}

export async function restoreDependents(c: pg.PoolClient, parentIds: readonly string[], now: number): Promise<{ restored: JobRow[]; reblamed: JobRow[] }> {
  const restored: JobRow[] = [];
  const reblamed = new Map<string, JobRow>();
  const parents = [...parentIds];
  for (let i = 0; i < parents.length; i++) {
    const children = await rows<JobRow>(
      c,
      `SELECT c.* FROM queuectl.job_deps d JOIN queuectl.jobs c ON c.id = d.child_id
       WHERE d.parent_id = $1 AND c.state = 'canceled' AND c.canceled_by = $1 ORDER BY c.seq`,
      [parents[i]],
    );
    for (const child of children) {
      const other = await endedParentOf(c, child.id);
      if (other !== null) {
        const row = await one<JobRow>(c, `UPDATE queuectl.jobs SET canceled_by = $2, last_error = $3, updated_at = $4 WHERE id = $1 RETURNING *`, [
          child.id, other.id, canceledFor(other.id, other.state), at(now),
        ]);
        if (row) reblamed.set(row.id, row);
        continue;
      }
      const row = await one<JobRow>(
        c,
        `UPDATE queuectl.jobs SET state = 'pending', canceled_by = NULL, last_error = NULL, attempts = 0,
           run_at = greatest(run_at, $2), updated_at = $2, waiting_on = ${COUNT_WAITING}
         WHERE id = $1 AND state = 'canceled' RETURNING *`,
        [child.id, at(now)],
      );
      if (!row) continue;
      restored.push(row);
      reblamed.delete(row.id);
      parents.push(row.id);
    }
  }
  return { restored, reblamed: [...reblamed.values()] };
}
