import type Database from 'better-sqlite3';
import type { JobRow } from '../rows.js';
import { prepareDependencies } from './dependencies.js';
import { SPEND_ATTEMPT } from './spend-attempt.js';

/** A process group a crashed run may have left running, with the identity its leader had. */
export interface OrphanGroup {
  pgid: number;
  identity: string | null;
}

/** What start-up recovery found: the jobs it moved on, and process groups the crashed daemon left running. */
export interface Recovered {
  /** The interrupted jobs (now failed or dead), then the jobs canceled because one of them is dead. */
  jobs: JobRow[];
  orphanGroups: OrphanGroup[];
}

/**
 * At start-up every job still in processing belongs to a run the previous daemon never finished.
 * Its open attempt becomes `interrupted` and spends an attempt: the job goes to failed (retry after backoff)
 * or to dead when no retries remain, which cancels the jobs waiting for it (settleDependents), in the same
 * transaction. Nothing stays in processing.
 */
export function prepareRecover(db: Database.Database) {
  const openRuns = db.prepare<[], { pgid: number; identity: string | null }>(
    `SELECT pgid, pgid_identity AS identity FROM attempts WHERE outcome = 'running' AND pgid IS NOT NULL`,
  );
  const closeRuns = db.prepare(`
    UPDATE attempts SET outcome = 'interrupted', finished_at = @now,
      error = 'the daemon stopped unexpectedly during this run'
    WHERE outcome = 'running'`);
  const stuck = db.prepare<[], { id: string; attempts: number }>(`SELECT id, attempts FROM jobs WHERE state = 'processing'`);
  const moveOn = db.prepare<unknown[], JobRow>(`
    UPDATE jobs SET ${SPEND_ATTEMPT},
      last_error = 'interrupted: the daemon stopped unexpectedly during the run', exit_code = NULL,
      finished_at = @now, updated_at = @now, worker_id = NULL
    WHERE id = @id AND state = 'processing' RETURNING *`);
  const { settleDependents } = prepareDependencies(db);

  return db.transaction((now: number, retryDelay: (n: number) => number): Recovered => {
    const orphanGroups = openRuns.all().map((r) => ({ pgid: r.pgid, identity: r.identity }));
    closeRuns.run({ now });
    const jobs: JobRow[] = [];
    for (const { id, attempts } of stuck.all()) {
      const row = moveOn.get({ id, now, delay: retryDelay(attempts + 1) });
      if (row) jobs.push(row);
    }
    const dependents = jobs.flatMap((row) => settleDependents(row, now));
    return { jobs: [...jobs, ...dependents], orphanGroups };
  });
}
