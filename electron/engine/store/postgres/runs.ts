import type pg from 'pg';
import type { RetryDelay } from '../api.js';
import type { JobRow } from '../rows.js';
import { deadReason } from '../transitions/queue-pause.js';
import type { RunBeginning } from '../transitions/claim.js';
import type { RunResult } from '../transitions/finish.js';
import type { OrphanRun, Recovered } from '../transitions/recover.js';
import { claimIn } from './claim.js';
import { at, inTransaction, LOCKS, one, rows, storable } from './db.js';
import { settleDependents } from './dependencies.js';

/** SPEND_ATTEMPT (store/transitions/spend-attempt.ts) with `now` as $2 and the delay in ms as $3. */
const SPEND_ATTEMPT = `attempts = attempts + 1,
  state = CASE WHEN attempts + 1 > max_retries THEN 'dead' ELSE 'failed' END,
  run_at = CASE WHEN attempts + 1 > max_retries THEN run_at ELSE $2::timestamptz + $3 * interval '1 millisecond' END`;

/**
 * Closes a run and moves its job on, guarded by state = 'processing' (finish.ts on SQLite): completed, failed
 * or dead by SPEND_ATTEMPT, or pending (requeued). Inside the caller's transaction; the job's row is locked
 * first, so its attempts count cannot move under the delay computed from it.
 * Also guarded by the run itself (job, attempt, still running): a result written again because the answer
 * to the COMMIT that wrote it was lost (the scheduler retries what it could not confirm) finds its run closed
 * and changes nothing, even if the job is processing again by then, in a later run.
 */
export async function finishIn(c: pg.PoolClient, id: string, attempt: number, result: RunResult, now: number, retryDelay: RetryDelay): Promise<JobRow | null> {
  const lastLine = storable(result.lastLine ?? null);
  const error = storable(result.error);
  const params = [id, attempt, at(now), result.outcome, result.exitCode, result.signal, error, lastLine];
  // Completed and requeued runs (the usual case) are the server's finish_ok (migration 0002), one round trip.
  if (result.outcome === 'completed' || result.outcome === 'requeued') {
    return one<JobRow>(c, `SELECT * FROM queuectl.finish_ok($1, $2, $4, $5, $6, $7, $8, $3)`, params);
  }
  const closeRun = `UPDATE queuectl.attempts SET finished_at = $3, outcome = $4, exit_code = $5, signal = $6, error = $7, last_line = $8
     WHERE job_id = $1 AND number = $2 AND outcome = 'running'`;
  const closed = await c.query(closeRun, params);
  if (closed.rowCount === 0) return null;
  switch (result.outcome) {
    case 'failed':
    case 'timed_out':
    case 'crashed': {
      const current = await one<{ attempts: number }>(c, `SELECT attempts FROM queuectl.jobs WHERE id = $1 FOR UPDATE`, [id]);
      const delay = current ? retryDelay(current.attempts + 1) : 0;
      return one<JobRow>(
        c,
        `UPDATE queuectl.jobs SET ${SPEND_ATTEMPT}, exit_code = $4, last_error = $5, last_line = $6, finished_at = $2, updated_at = $2, worker_id = NULL
         WHERE id = $1 AND state = 'processing' RETURNING *`,
        [id, at(now), delay, result.exitCode, error, lastLine],
      );
    }
    default: {
      const never: never = result.outcome;
      throw new Error(`unknown outcome ${String(never)}`);
    }
  }
}

/**
 * pause_on_dead for a job that just went dead; true if its queue paused now. Like a pause by hand it holds
 * claims exclusively (queues.ts): once it has committed, no claim that read the switches before it commits.
 */
export async function pauseOnDead(c: pg.PoolClient, queue: string, now: number, jobId: string): Promise<boolean> {
  const wanted = await one(c, `SELECT 1 FROM queuectl.queues WHERE name = $1 AND pause_on_dead AND NOT paused`, [queue]);
  if (!wanted) return false;
  await c.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.claims]);
  const r = await c.query(
    `UPDATE queuectl.queues SET paused = true, paused_at = $2, paused_reason = $3 WHERE name = $1 AND pause_on_dead AND NOT paused`,
    [queue, at(now), deadReason(jobId)],
  );
  return r.rowCount === 1;
}

/** The scheduler's side of runs but its step (step.ts): single claims and finishes, start-up recovery. */
export function runStore(pool: pg.Pool) {
  return {
    claim: (workerId: number, now: number, held: readonly string[] = [], begin?: (jobId: string) => RunBeginning) =>
      inTransaction(pool, (c) => claimIn(c, workerId, now, held, begin)),

    finish: (id: string, attempt: number, result: RunResult, now: number, retryDelay: RetryDelay): Promise<JobRow | null> =>
      inTransaction(pool, (c) => finishIn(c, id, attempt, result, now, retryDelay)),

    /** Every run left open (recover.ts on SQLite): interrupted, an attempt spent, dependents settled. */
    recover: (now: number, retryDelay: RetryDelay): Promise<Recovered> =>
      inTransaction(pool, async (c) => {
        const orphanRuns = await rows<OrphanRun>(
          c,
          `SELECT job_id AS "jobId", number AS attempt, pgid, pgid_identity AS identity, run_marker AS marker
           FROM queuectl.attempts WHERE outcome = 'running' AND (pgid IS NOT NULL OR run_marker IS NOT NULL)`,
        );
        await c.query(
          `UPDATE queuectl.attempts SET outcome = 'interrupted', finished_at = $1, error = 'the daemon stopped unexpectedly during this run' WHERE outcome = 'running'`,
          [at(now)],
        );
        const jobs: JobRow[] = [];
        for (const { id, attempts } of await rows<{ id: string; attempts: number }>(c, `SELECT id, attempts FROM queuectl.jobs WHERE state = 'processing' FOR UPDATE`)) {
          const row = await one<JobRow>(
            c,
            `UPDATE queuectl.jobs SET ${SPEND_ATTEMPT},
               last_error = 'interrupted: the daemon stopped unexpectedly during the run', exit_code = NULL, finished_at = $2, updated_at = $2, worker_id = NULL
             WHERE id = $1 AND state = 'processing' RETURNING *`,
            [id, at(now), retryDelay(attempts + 1)],
          );
          if (row) jobs.push(row);
        }
        const dependents: JobRow[] = [];
        for (const row of jobs) dependents.push(...(await settleDependents(c, row, now)));
        return { jobs: [...jobs, ...dependents], orphanRuns };
      }),

    lastFinishedAttempt: async (jobId: string): Promise<number | null> =>
      (await one<{ n: number | null }>(pool, `SELECT max(number) AS n FROM queuectl.attempts WHERE job_id = $1 AND outcome <> 'running'`, [jobId]))?.n ?? null,
  };
}
