import type pg from 'pg';
import type { JobRow } from '../rows.js';
import type { Claimed, RunBeginning } from '../transitions/claim.js';
import { at, one } from './db.js';

/**
 * pending|failed → processing for the best due job (highest priority, then oldest, run_at reached, every
 * parent completed) of a queue that may start one (not paused, below its `parallel`), with its attempt
 * opened; inside the caller's transaction (claim.ts on SQLite says why `held` counts). The rule is the
 * server's function queuectl.claim_next (migration 0002, where its locking is explained): other claimers'
 * candidates are skipped, never waited for (`FOR UPDATE SKIP LOCKED`), so a job is never handed out twice;
 * once a pause has committed no claim that read the switches before it can still commit; two claimers never
 * both see a limited queue's last free place. Where its log section starts and its marker are known only
 * once the job is, so they are written next.
 */
export async function claimIn(
  c: pg.PoolClient,
  workerId: number,
  now: number,
  held: readonly string[] = [],
  begin?: (jobId: string) => RunBeginning,
): Promise<Claimed | null> {
  const row = await one<{ claim_run: number } & JobRow>(
    c,
    `SELECT c.run AS claim_run, (c.job).* FROM queuectl.claim_next($1, $2, $3::text[]) c WHERE c.run IS NOT NULL`,
    [workerId, at(now), held],
  );
  if (!row) return null;
  const { claim_run: attempt, ...job } = row;
  const beginning = begin?.(job.id) ?? null;
  if (beginning) {
    await c.query(`UPDATE queuectl.attempts SET log_start = $3, run_marker = $4 WHERE job_id = $1 AND number = $2`, [
      job.id, attempt, beginning.logStart, beginning.marker,
    ]);
  }
  return { job, attempt, beginning };
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
