import type pg from 'pg';
import type { RetryDelay, SchedulerStep, StepDone } from '../api.js';
import type { JobRow } from '../rows.js';
import type { RunResult } from '../transitions/finish.js';
import { claimMany } from './claim.js';
import { inTransaction, literal, rows, storable, transaction } from './db.js';
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

/** What a step may have done if its COMMIT goes unanswered: its claims (by their markers) and its results. */
function attemptedBy(step: SchedulerStep, done: StepDone): UnconfirmedStep {
  return {
    claims: done.claims.flatMap(({ claimed }) => (claimed.beginning ? [{ jobId: claimed.job.id, attempt: claimed.attempt, marker: claimed.beginning.marker }] : [])),
    results: step.results.map(({ jobId, attempt }) => ({ jobId, attempt })),
  };
}

/**
 * The usual step (every result completed or requeued, nothing unconfirmed before it) in two round trips: `BEGIN`
 * with the server's step function (migration 0002: groups, results with their children, claims), then the
 * claims' log starts and markers with the `COMMIT`. Parameters travel as one JSON literal.
 */
async function quickStep(pool: pg.Pool, step: SchedulerStep, attempted: (done: StepDone) => void): Promise<StepDone> {
  const input = JSON.stringify({
    now: step.now,
    groups: step.groups.map((g) => ({ job_id: g.jobId, attempt: g.attempt, pgid: g.pgid, identity: g.identity })),
    results: step.results.map(({ jobId, attempt, result }) => ({
      job_id: jobId,
      attempt,
      outcome: result.outcome,
      exit_code: result.exitCode,
      signal: result.signal,
      error: storable(result.error),
      last_line: storable(result.lastLine ?? null),
    })),
    workers: step.idleWorkers,
    held: step.held,
  });
  return transaction(pool, async (c) => {
    const sent = `BEGIN; SELECT s.kind AS step_kind, s.worker AS step_worker, s.run AS step_run, s.next_at AS step_next_at, (s.job).*
      FROM queuectl.step(${literal(input)}::jsonb) s`;
    const [, out] = (await c.query(sent)) as unknown as [pg.QueryResult, pg.QueryResult<StepRow>];
    const done: StepDone = { changed: [], claims: [], pausedQueues: [] };
    const opened: string[] = [];
    for (const { step_kind: kind, step_worker: workerId, step_run: attempt, step_next_at: next, ...job } of out.rows) {
      if (kind === 'next') {
        done.nextRunAt = next;
        continue;
      }
      done.changed.push(job);
      if (kind !== 'claim') continue;
      const beginning = step.begin(job.id);
      done.claims.push({ workerId, claimed: { job, attempt, beginning } });
      opened.push(`(${literal(job.id)}, ${integer(attempt)}, ${integer(beginning.logStart)}, ${literal(beginning.marker)})`);
    }
    attempted(done);
    const commit =
      opened.length === 0
        ? 'COMMIT'
        : `UPDATE queuectl.attempts a SET log_start = v.log_start, run_marker = v.marker
           FROM (VALUES ${opened.join(', ')}) AS v(job_id, number, log_start, marker)
           WHERE a.job_id = v.job_id AND a.number = v.number; COMMIT`;
    return { value: done, commit };
  });
}

/**
 * A row of queuectl.step: what it is, for a claim its worker and run number, for 'next' (a worker left idle)
 * when the next waiting job falls due; then the job's columns (none for 'next').
 */
type StepRow = { step_kind: 'changed' | 'claim' | 'next'; step_worker: number; step_run: number; step_next_at: number | null } & JobRow;

/** A whole number written into a statement; anything else is a bug, refused before it reaches the server. */
function integer(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
}

/** Results that spend an attempt (their delay is the engine's), or a step settling one that went unconfirmed. */
async function fullStep(pool: pg.Pool, step: SchedulerStep, prior: UnconfirmedStep | null, attempted: (done: StepDone) => void): Promise<StepDone> {
  return inTransaction(pool, async (c) => {
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
    attempted(done);
    return done;
  });
}

/** The scheduler's step: process groups, results (with their dependents and pause_on_dead), then claims; one transaction. */
export function schedulerStep(pool: pg.Pool) {
  let unconfirmed: UnconfirmedStep | null = null;
  return {
    async step(step: SchedulerStep): Promise<StepDone> {
      const prior = unconfirmed;
      let attempted = null as UnconfirmedStep | null;
      const record = (done: StepDone): void => {
        attempted = attemptedBy(step, done);
      };
      try {
        const quick = prior === null && step.results.every(({ result }) => result.outcome === 'completed' || result.outcome === 'requeued');
        const done = quick ? await quickStep(pool, step, record) : await fullStep(pool, step, prior, record);
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
