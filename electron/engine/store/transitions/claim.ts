import type Database from 'better-sqlite3';
import type { JobRow } from '../rows.js';

/** What the claimer fixes about a run as it is claimed, stored with its attempt before anything runs. */
export interface RunBeginning {
  /** Where the run's section of the job's log begins (logs/run-sections.ts). */
  logStart: number;
  /** The run's QUEUECTL_RUN marker (worker/contain.ts), for recovery after a crash (orphan-runs.ts). */
  marker: string;
}

/** A job a worker now owns, with the number of this run and how it begins (null when the caller gave none). */
export interface Claimed {
  job: JobRow;
  attempt: number;
  beginning: RunBeginning | null;
}

/** A candidate for the next claim: the best due job of one queue. */
interface Candidate {
  id: string;
  priority: number;
  seq: number;
}

/**
 * pending|failed → processing for the best due job (highest priority, then oldest, run_at reached, every
 * parent completed) in a queue that may start one now (not paused, below its `parallel` limit), and opens
 * its attempt row, with where the run's log section starts and its marker. One transaction; the state
 * guard makes a double claim impossible.
 *
 * A queue's running jobs are its processing jobs plus the runs the pool still holds (`held`: job ids of busy
 * workers) whose job is no longer processing: a canceled job's process tree is killed after the commit
 * (SIGTERM, SIGKILL after a grace) and its worker stays busy until the run really ended, so until then it
 * still occupies its queue. Both sets are disjoint, so nothing is counted twice.
 *
 * While no queue is paused or limited (the usual case) one index walk finds the job; otherwise the best job
 * of each open queue is looked up and the best of those taken, so a long line of jobs in a held queue is
 * never walked past.
 */
export function prepareClaim(db: Database.Database) {
  const pickAny = db.prepare<[number], { id: string }>(`
    SELECT id FROM jobs INDEXED BY jobs_waiting
    WHERE state IN ('pending','failed') AND waiting_on = 0 AND run_at <= ?
    ORDER BY priority DESC, seq LIMIT 1`);
  const pickIn = db.prepare<[string, number], Candidate>(`
    SELECT id, priority, seq FROM jobs INDEXED BY jobs_waiting_queue
    WHERE queue = ? AND state IN ('pending','failed') AND waiting_on = 0 AND run_at <= ?
    ORDER BY priority DESC, seq LIMIT 1`);
  const heldOrLimited = db.prepare<[], { name: string; paused: number; parallel: number | null }>(
    `SELECT name, paused, parallel FROM queues WHERE paused = 1 OR parallel IS NOT NULL`,
  );
  const running = db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM jobs WHERE queue = ? AND state = 'processing'`);
  const heldElsewhere = db.prepare<[string], { queue: string }>(`SELECT queue FROM jobs WHERE id = ? AND state != 'processing'`);
  const queueNames = db.prepare<[], { name: string }>(`SELECT name FROM queues`);
  const take = db.prepare<[number, number, number, string], JobRow>(`
    UPDATE jobs SET state = 'processing', worker_id = ?, started_at = ?, finished_at = NULL, updated_at = ?
    WHERE id = ? AND state IN ('pending','failed') RETURNING *`);
  const open = db.prepare<[string, string, number, number, number | null, string | null], { number: number }>(`
    INSERT INTO attempts (job_id, number, worker_id, started_at, log_start, run_marker)
    VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM attempts WHERE job_id = ?), ?, ?, ?, ?)
    RETURNING number`);

  /** Runs the pool holds whose job is no longer processing (canceled while its processes die), by queue. */
  function heldByQueue(held: readonly string[]): Map<string, number> {
    const byQueue = new Map<string, number>();
    for (const id of held) {
      const queue = heldElsewhere.get(id)?.queue;
      if (queue !== undefined) byQueue.set(queue, (byQueue.get(queue) ?? 0) + 1);
    }
    return byQueue;
  }

  /** Queues that may not start a job now: paused, or running as many as their limit allows. */
  function closedQueues(held: readonly string[]): Set<string> | null {
    const rows = heldOrLimited.all();
    if (rows.length === 0) return null;
    let stillHeld: Map<string, number> | null = null;
    const closed = new Set<string>();
    for (const q of rows) {
      if (q.paused === 1) closed.add(q.name);
      else if (q.parallel !== null) {
        stillHeld ??= heldByQueue(held);
        if (running.get(q.name)!.n + (stillHeld.get(q.name) ?? 0) >= q.parallel) closed.add(q.name);
      }
    }
    return closed.size === 0 ? null : closed;
  }

  function pick(now: number, held: readonly string[]): string | null {
    const closed = closedQueues(held);
    if (closed === null) return pickAny.get(now)?.id ?? null;
    let best: Candidate | null = null;
    for (const { name } of queueNames.all()) {
      if (closed.has(name)) continue;
      const c = pickIn.get(name, now);
      if (c && (best === null || c.priority > best.priority || (c.priority === best.priority && c.seq < best.seq))) best = c;
    }
    return best?.id ?? null;
  }

  /**
   * `held`: the job ids the pool's workers still run (see above); none outside the scheduler. `begin`: where
   * the claimed job's run starts its log and its marker, recorded in the attempt row (the scheduler's; tests
   * may leave it out).
   */
  return db.transaction(
    (workerId: number, now: number, held: readonly string[] = [], begin?: (jobId: string) => RunBeginning): Claimed | null => {
      const next = pick(now, held);
      if (next === null) return null;
      const job = take.get(workerId, now, now, next);
      if (!job) return null;
      const beginning = begin?.(job.id) ?? null;
      const { number } = open.get(job.id, job.id, workerId, now, beginning?.logStart ?? null, beginning?.marker ?? null)!;
      return { job, attempt: number, beginning };
    },
  );
}
