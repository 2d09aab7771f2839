import type Database from 'better-sqlite3';
import type { JobRow } from '../rows.js';
import { prepareDependencies } from './dependencies.js';
import { SPEND_ATTEMPT } from './spend-attempt.js';

/** A run the crashed daemon never finished: what names the processes it may have left running. */
export interface OrphanRun {
  jobId: string;
  attempt: number;
  /** Its process group (its shell's pid), or null when it was never recorded. */
  pgid: number | null;
  /** Boot id + start time of that group's leader (worker/process-identity.ts), or null. */
  identity: string | null;
  /** Its QUEUECTL_RUN marker (migration 0012), or null for runs claimed before. */
  marker: string | null;
}

/** What start-up recovery found: the jobs it moved on, and the runs whose processes may still be alive. */
export interface Recovered {
  /** The interrupted jobs (now failed or dead), then the jobs canceled because one of them is dead. */
  jobs: JobRow[];
  orphanRuns: OrphanRun[];
}

/**
 * At start-up every job still in processing belongs to a run the previous daemon never finished.
 * Its open attempt becomes `interrupted` and spends an attempt: the job goes to failed (retry after backoff)
 * or to dead when no retries remain, which cancels the jobs waiting for it (settleDependents), in the same
 * transaction. Nothing stays in processing.
 */
export function prepareRecover(db: Database.Database) {
  const openRuns = db.prepare<[], OrphanRun>(`
    SELECT job_id AS jobId, number AS attempt, pgid, pgid_identity AS identity, run_marker AS marker
    FROM attempts WHERE outcome = 'running' AND (pgid IS NOT NULL OR run_marker IS NOT NULL)`);
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
    const orphanRuns = openRuns.all();
    closeRuns.run({ now });
    const jobs: JobRow[] = [];
    for (const { id, attempts } of stuck.all()) {
      const row = moveOn.get({ id, now, delay: retryDelay(attempts + 1) });
      if (row) jobs.push(row);
    }
    const dependents = jobs.flatMap((row) => settleDependents(row, now));
    return { jobs: [...jobs, ...dependents], orphanRuns };
  });
}
