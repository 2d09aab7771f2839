import type Database from 'better-sqlite3';
import { QueueError } from '../../../../protocol/index.js';
import type { JobRow } from '../rows.js';

/** Why a job was canceled for its parent: the parent's id and what became of it. */
export function canceledFor(parent: string, state: 'dead' | 'canceled'): string {
  return `canceled: parent ${parent} ${state === 'dead' ? 'is dead' : 'was canceled'}`;
}

/** A parent's children not started yet (parameter: the parent's id). */
/**
 * The refusal to bring back a job that would wait forever for its dead or canceled `parent`, with what to do
 * instead (both stores throw it). `verb` says what was asked ("retried").
 */
export function endedParentError(job: JobRow, parent: { id: string; state: 'dead' | 'canceled' }, verb: string): QueueError {
  const how =
    job.canceled_by === parent.id
      ? `retry the parent with its dependents instead (queuectl retry ${parent.id} --with-dependents)`
      : `retry the parent first (queuectl retry ${parent.id})`;
  return new QueueError(
    'INVALID_STATE',
    `job ${job.id} waits for parent ${parent.id}, which is ${parent.state}, so it would never start; ${how}. Nothing was ${verb}`,
    { id: job.id, parent: parent.id, parent_state: parent.state },
  );
}

export const PENDING_CHILDREN_SQL = `
  SELECT c.* FROM job_deps d CROSS JOIN jobs c ON c.id = d.child_id
  WHERE d.parent_id = ? AND c.state = 'pending' ORDER BY c.seq`;

/** A parent's children its death canceled (parameters: the parent's id, twice). */
export const CANCELED_CHILDREN_SQL = `
  SELECT c.* FROM job_deps d CROSS JOIN jobs c ON c.id = d.child_id
  WHERE d.parent_id = ? AND c.state = 'canceled' AND c.canceled_by = ? ORDER BY c.seq`;

/**
 * Dependencies between jobs (`enqueue --after`). A child waits (pending with waiting_on > 0, never claimed)
 * while any parent has not completed; job_deps holds the edges. Every count is taken afresh from the parents'
 * states (never decremented), so settling a parent twice, or a parent that was retried and completed again,
 * cannot release a child early. Each function runs inside its caller's transaction.
 */
export function prepareDependencies(db: Database.Database) {
  // Queries from a parent to its children walk job_deps first (CROSS JOIN fixes that order): left to itself
  // SQLite starts from every pending job through jobs_state_seq, which cost every finished run ~250 µs per
  // 5,000 pending jobs, dependencies or not.
  /** Parents of a job that have not completed; a parent that was deleted no longer holds anyone. */
  const COUNT_WAITING = `(SELECT count(*) FROM job_deps d JOIN jobs p ON p.id = d.parent_id WHERE d.child_id = jobs.id AND p.state <> 'completed')`;
  /**
   * Children that have not started: pending, whether still waiting (waiting_on > 0) or already released and
   * held by a paused or full queue or their own run_at. A child that started (processing, or failed and
   * waiting for its retry) ran after every parent completed and is left alone.
   */
  const pendingChildren = db.prepare<[string], JobRow>(PENDING_CHILDREN_SQL);
  const recount = db.prepare<[number, string], JobRow>(`
    UPDATE jobs SET waiting_on = ${COUNT_WAITING}, updated_at = ? WHERE id = ? RETURNING *`);
  const cancelChild = db.prepare<{ id: string; parent: string; error: string; now: number }, JobRow>(`
    UPDATE jobs SET state = 'canceled', canceled_by = @parent, last_error = @error, finished_at = @now, updated_at = @now
    WHERE id = @id AND state = 'pending' RETURNING *`);
  const endedParent = db.prepare<[string], { id: string; state: 'dead' | 'canceled' }>(`
    SELECT p.id, p.state FROM job_deps d JOIN jobs p ON p.id = d.parent_id
    WHERE d.child_id = ? AND p.state IN ('dead','canceled') ORDER BY p.seq LIMIT 1`);
  const canceledChildren = db.prepare<[string, string], JobRow>(CANCELED_CHILDREN_SQL);
  const restore = db.prepare<{ id: string; now: number }, JobRow>(`
    UPDATE jobs SET state = 'pending', canceled_by = NULL, last_error = NULL, attempts = 0,
      run_at = max(run_at, @now), updated_at = @now, waiting_on = ${COUNT_WAITING}
    WHERE id = @id AND state = 'canceled' RETURNING *`);
  const blame = db.prepare<{ id: string; parent: string; error: string; now: number }, JobRow>(`
    UPDATE jobs SET canceled_by = @parent, last_error = @error, updated_at = @now WHERE id = @id RETURNING *`);

  /**
   * What a parent's end does to the jobs waiting for it: completed lets each child count its parents again
   * (at 0 it can be claimed); dead or canceled cancels every child not started yet (pending, released or not:
   * canceled_by = the parent, last_error naming it), and their pending children in turn, each naming its own
   * parent. Children that already started (processing, failed) are left alone. Any other state
   * changes nothing. Returns every child it changed, so the caller announces them. Must run in the same
   * transaction as the parent's move (scheduler run results, cancel, start-up recovery).
   */
  function settleDependents(parent: JobRow, now: number): JobRow[] {
    if (parent.state === 'completed') return recountChildren(parent.id, now);
    if (parent.state !== 'dead' && parent.state !== 'canceled') return [];
    const changed: JobRow[] = [];
    const ended: Array<{ id: string; state: 'dead' | 'canceled' }> = [{ id: parent.id, state: parent.state }];
    for (let i = 0; i < ended.length; i++) {
      const { id, state } = ended[i]!;
      for (const child of pendingChildren.all(id)) {
        const row = cancelChild.get({ id: child.id, parent: id, error: canceledFor(id, state), now });
        if (!row) continue;
        changed.push(row);
        ended.push({ id: row.id, state: 'canceled' });
      }
    }
    return changed;
  }

  /**
   * The parent that keeps a job from ever starting: the oldest of its parents that is dead or canceled, or
   * null when every parent completed, is on its way, or was deleted.
   */
  function endedParentOf(id: string): { id: string; state: 'dead' | 'canceled' } | null {
    return endedParent.get(id) ?? null;
  }

  /**
   * Refuses (INVALID_STATE) to bring back a job that would wait for a dead or canceled parent forever, with
   * what to do instead. `verb` says what was asked ("retried").
   */
  function requireLiveParents(job: JobRow, verb: string): void {
    const parent = endedParentOf(job.id);
    if (parent !== null) throw endedParentError(job, parent, verb);
  }

  /**
   * The pending children of `parentId` count their parents again; returns those whose count changed. After
   * a parent completed, and after a completed parent went back to pending (`job.retry`): every child not
   * started yet waits for its new run, including one already released but held by a paused or full queue or
   * its own run_at. A child that already started (processing, or failed and waiting for its retry) is left
   * alone: it ran once after every parent completed, and its retry goes on whatever the parent's new run does.
   */
  function recountChildren(parentId: string, now: number): JobRow[] {
    const changed: JobRow[] = [];
    for (const child of pendingChildren.all(parentId)) {
      const row = recount.get(now, child.id)!;
      if (row.waiting_on !== child.waiting_on) changed.push(row);
    }
    return changed;
  }

  /** Sets waiting_on of a job that just went back to pending from its parents' states now. */
  function recountWaiting(row: JobRow, now: number): JobRow {
    return row.depends_on === null ? row : recount.get(now, row.id)!;
  }

  /**
   * `--with-dependents`: brings back the jobs these parents canceled (canceled_by), and the jobs those
   * canceled, transitively: pending again, waiting for their parents as they are now, canceled_by and
   * last_error cleared, not before their own run_at. A job that still has another dead or canceled parent
   * stays canceled, now blamed on that parent (so retrying that one with its dependents brings it back).
   * Returns the jobs brought back (`restored`, pending) and those left canceled but now blamed on another
   * parent (`reblamed`): the caller announces both (a reblamed job did not move into canceled again, so it
   * must not run on_finish a second time). Runs after the parents went back to pending, in the same transaction.
   */
  function restoreDependents(parentIds: readonly string[], now: number): { restored: JobRow[]; reblamed: JobRow[] } {
    const restored: JobRow[] = [];
    /** Latest row of each job reblamed; one restored later in the same call (via another parent) is dropped. */
    const reblamed = new Map<string, JobRow>();
    const parents = [...parentIds];
    for (let i = 0; i < parents.length; i++) {
      for (const child of canceledChildren.all(parents[i]!, parents[i]!)) {
        const other = endedParentOf(child.id);
        if (other !== null) {
          const row = blame.get({ id: child.id, parent: other.id, error: canceledFor(other.id, other.state), now });
          if (row) reblamed.set(row.id, row);
          continue;
        }
        const row = restore.get({ id: child.id, now });
        if (!row) continue;
        restored.push(row);
        reblamed.delete(row.id);
        parents.push(row.id);
      }
    }
    return { restored, reblamed: [...reblamed.values()] };
  }

  return { settleDependents, recountChildren, endedParentOf, requireLiveParents, recountWaiting, restoreDependents };
}
