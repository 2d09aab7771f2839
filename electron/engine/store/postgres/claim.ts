import type pg from 'pg';
import type { JobRow } from '../rows.js';
import type { Claimed, RunBeginning } from '../transitions/claim.js';
import { at, LOCKS, one } from './db.js';

/** A queue's row as a claim reads it. */
interface HeldOrLimited {
  name: string;
  paused: number;
  parallel: number | null;
}

/** Makes the advisory-lock key of a queue's limit (one per queue name, in the second key space). */
const queueLock = `pg_advisory_xact_lock(${LOCKS.claims}, hashtext($1))`;

/**
 * pending|failed → processing for the best due job (highest priority, then oldest, run_at reached, every
 * parent completed) of a queue that may start one (not paused, below its `parallel`), with its attempt
 * opened; inside the caller's transaction (claim.ts on SQLite says why `held` counts). Concurrency:
 * - other claimers' candidates are skipped, not waited for (`FOR UPDATE SKIP LOCKED`), so N claimers on N
 *   connections take N different jobs and a job is never handed out twice;
 * - the claim holds the `claims` lock shared; pausing (all or one queue) and changing a limit take it
 *   exclusive, so once a pause has committed no claim that read the switches before it can still commit;
 * - a limited queue is counted under its own exclusive lock, held to the commit, so two claimers never both
 *   see the last free place.
 */
export async function claimIn(
  c: pg.PoolClient,
  workerId: number,
  now: number,
  held: readonly string[] = [],
  begin?: (jobId: string) => RunBeginning,
): Promise<Claimed | null> {
  await c.query('SELECT pg_advisory_xact_lock_shared($1)', [LOCKS.claims]);
  const switches = (await one<{ all_paused: number; queues: HeldOrLimited[] | null }>(
    c,
    `SELECT (SELECT paused FROM queuectl.pause_all WHERE id = 1) AS all_paused,
       (SELECT json_agg(json_build_object('name', name, 'paused', paused::int, 'parallel', parallel))
        FROM queuectl.queues WHERE paused OR parallel IS NOT NULL) AS queues`,
  ))!;
  if (switches.all_paused === 1) return null;
  const closed = (switches.queues ?? []).filter((q) => q.paused === 1).map((q) => q.name);
  const limits = new Map((switches.queues ?? []).filter((q) => q.paused !== 1 && q.parallel !== null).map((q) => [q.name, q.parallel!]));
  // No queue limited (the usual case): the best candidate is claimed in the same statement that picks it, one
  // round trip instead of two (on a busy machine each is a wake-up of two processes).
  if (limits.size === 0) {
    const job = await one<JobRow>(
      c,
      `UPDATE queuectl.jobs SET state = 'processing', worker_id = $2, started_at = $1, finished_at = NULL, updated_at = $1
       WHERE id = (SELECT id FROM queuectl.jobs
                   WHERE state IN ('pending','failed') AND waiting_on = 0 AND run_at <= $1 AND queue <> ALL($3::text[])
                   ORDER BY priority DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED)
         AND state IN ('pending','failed') RETURNING *`,
      [at(now), workerId, closed],
    );
    return job ? openAttempt(c, job, workerId, now, begin) : null;
  }
  const checked = new Set<string>();
  for (;;) {
    const candidate = await one<{ id: string; queue: string }>(
      c,
      `SELECT id, queue FROM queuectl.jobs
       WHERE state IN ('pending','failed') AND waiting_on = 0 AND run_at <= $1 AND queue <> ALL($2::text[])
       ORDER BY priority DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [at(now), closed],
    );
    if (!candidate) return null;
    const limit = limits.get(candidate.queue);
    if (limit !== undefined && !checked.has(candidate.queue)) {
      await c.query(`SELECT ${queueLock}`, [candidate.queue]);
      const busy = (await one<{ n: number }>(
        c,
        `SELECT (SELECT count(*) FROM queuectl.jobs WHERE queue = $1 AND state = 'processing')
              + (SELECT count(*) FROM queuectl.jobs WHERE queue = $1 AND state <> 'processing' AND id = ANY($2::text[])) AS n`,
        [candidate.queue, held],
      ))!.n;
      if (busy >= limit) {
        closed.push(candidate.queue);
        continue;
      }
      checked.add(candidate.queue);
    }
    const job = await one<JobRow>(
      c,
      `UPDATE queuectl.jobs SET state = 'processing', worker_id = $2, started_at = $3, finished_at = NULL, updated_at = $3
       WHERE id = $1 AND state IN ('pending','failed') RETURNING *`,
      [candidate.id, workerId, at(now)],
    );
    if (!job) return null;
    return openAttempt(c, job, workerId, now, begin);
  }
}

/** The claimed job's new attempt (its run), numbered after its last. */
async function openAttempt(c: pg.PoolClient, job: JobRow, workerId: number, now: number, begin?: (jobId: string) => RunBeginning): Promise<Claimed> {
  const beginning = begin?.(job.id) ?? null;
  const { number } = (await one<{ number: number }>(
    c,
    `INSERT INTO queuectl.attempts (job_id, number, worker_id, started_at, log_start, run_marker)
     VALUES ($1, (SELECT COALESCE(MAX(number), 0) + 1 FROM queuectl.attempts WHERE job_id = $1), $2, $3, $4, $5)
     RETURNING number`,
    [job.id, workerId, at(now), beginning?.logStart ?? null, beginning?.marker ?? null],
  ))!;
  return { job, attempt: number, beginning };
}

/** Claims for several idle workers in one transaction, in order, until no job is due; each limit count sees the claims made before it. */
export async function claimMany(
  c: pg.PoolClient,
  workers: readonly number[],
  now: number,
  held: readonly string[],
  begin: (jobId: string) => RunBeginning,
): Promise<Array<{ workerId: number; claimed: Claimed }>> {
  const out: Array<{ workerId: number; claimed: Claimed }> = [];
  for (const workerId of workers) {
    const claimed = await claimIn(c, workerId, now, held, begin);
    if (!claimed) break;
    out.push({ workerId, claimed });
  }
  return out;
}
