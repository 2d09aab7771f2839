import type pg from 'pg';
import type { RetryDelay, SchedulerStep, StepDone } from '../api.js';
import type { JobRow } from '../rows.js';
import type { RunResult } from '../transitions/finish.js';
import { claimMany } from './claim.js';
import { inTransaction, rows } from './db.js';
import { settleDependents } from './dependencies.js';
import { finishIn, pauseOnDead } from './runs.js';
import { outcomeOf } from './unreachable.js';

/**
 * What a step whose COMMIT went unanswered may have done: the runs it claimed (each known by its fresh run
 * marker) and the runs whose results it wrote. The scheduler keeps the results and writes them again (a no-op
 * if they landed: finishIn's guard), but it never launches those claims, so the next step settles them.
 */
interface UnconfirmedStep {
  claims: Array<{ jobId: string; attempt: number; marker: string }>;
  results: Array<{ jobId: string; attempt: number }>;
}

/** How a claim that landed but never started is closed: the job goes back to pending, no attempt spent. */
const NEVER_STARTED: RunResult = {
  outcome: 'requeued',
  exitCode: null,
  signal: null,
  error: 'not started: the database connection broke as the run was claimed; queued again',
};

/**
 * Inside the next step's transaction: claims of the unconfirmed step that did land (their run still open) are
 * requeued, and the jobs its results moved (their run closed: it landed) are answered as they are now, so the
 * scheduler announces them. Idempotent: a claim settled before is no longer open.
 */
async function settleUnconfirmed(c: pg.PoolClient, prior: UnconfirmedStep, now: number, retryDelay: RetryDelay): Promise<JobRow[]> {
  const changed: JobRow[] = [];
  if (prior.results.length > 0) {
    changed.push(
      ...(await rows<JobRow>(
        c,
        `SELECT j.* FROM queuectl.jobs j WHERE j.id IN (
           SELECT a.job_id FROM queuectl.attempts a JOIN unnest($1::text[], $2::int[]) AS r(job_id, number) USING (job_id, number)
           WHERE a.outcome <> 'running')`,
        [prior.results.map((r) => r.jobId), prior.results.map((r) => r.attempt)],
      )),
    );
  }
  for (const claim of prior.claims) {
    const open = await rows(c, `SELECT 1 FROM queuectl.attempts WHERE job_id = $1 AND number = $2 AND run_marker = $3 AND outcome = 'running'`, [
      claim.jobId,
      claim.attempt,
      claim.marker,
    ]);
    if (open.length === 0) continue;
    const row = await finishIn(c, claim.jobId, claim.attempt, NEVER_STARTED, now, retryDelay);
    if (row) changed.push(row);
  }
  return changed;
}

/** The scheduler's step: process groups, results (with their dependents and pause_on_dead), then claims; one transaction. */
export function schedulerStep(pool: pg.Pool) {
  let unconfirmed: UnconfirmedStep | null = null;
  return {
    async step(step: SchedulerStep): Promise<StepDone> {
      const prior = unconfirmed;
      let attempted = null as UnconfirmedStep | null;
      try {
        const done = await inTransaction(pool, async (c) => {
          const done: StepDone = { changed: [], claims: [], pausedQueues: [] };
          if (prior) done.changed.push(...(await settleUnconfirmed(c, prior, step.now, step.retryDelay)));
          for (const g of step.groups) {
            await c.query(`UPDATE queuectl.attempts SET pgid = $3, pgid_identity = $4 WHERE job_id = $1 AND number = $2`, [g.jobId, g.attempt, g.pgid, g.identity]);
          }
          for (const { jobId, attempt, result } of step.results) {
            const row = await finishIn(c, jobId, attempt, result, step.now, step.retryDelay);
            if (!row) continue;
            done.changed.push(row, ...(await settleDependents(c, row, step.now)));
            if (row.state === 'dead' && (await pauseOnDead(c, row.queue, step.now, row.id))) done.pausedQueues.push({ queue: row.queue, jobId: row.id });
          }
          done.claims = await claimMany(c, step.idleWorkers, step.now, step.held, step.begin);
          done.changed.push(...done.claims.map((x) => x.claimed.job));
          attempted = {
            claims: done.claims.flatMap(({ claimed }) => (claimed.beginning ? [{ jobId: claimed.job.id, attempt: claimed.attempt, marker: claimed.beginning.marker }] : [])),
            results: step.results.map(({ jobId, attempt }) => ({ jobId, attempt })),
          };
          return done;
        });
        unconfirmed = null;
        return done;
      } catch (err) {
        // Unanswered COMMIT: this step (and what it settled of the one before) may have landed.
        if (outcomeOf(err) === 'unknown' && attempted !== null) {
          unconfirmed = {
            claims: [...(prior?.claims ?? []), ...attempted.claims],
            results: [...(prior?.results ?? []), ...attempted.results],
          };
        }
        throw err;
      }
    },
  };
}
