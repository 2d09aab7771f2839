import type Database from 'better-sqlite3';
import type { JobRow } from '../rows.js';

/** A job a worker now owns, with the number of this run. */
export interface Claimed {
  job: JobRow;
  attempt: number;
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
 * its attempt row. One transaction; the state guard makes a double claim impossible.
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
  const queueNames = db.prepare<[], { name: string }>(`SELECT name FROM queues`);
  const take = db.prepare<[number, number, number, string], JobRow>(`
    UPDATE jobs SET state = 'processing', worker_id = ?, started_at = ?, finished_at = NULL, updated_at = ?
    WHERE id = ? AND state IN ('pending','failed') RETURNING *`);
  const open = db.prepare<[string, string, number, number], { number: number }>(`
    INSERT INTO attempts (job_id, number, worker_id, started_at)
    VALUES (?, (SELECT COALESCE(MAX(number), 0) + 1 FROM attempts WHERE job_id = ?), ?, ?)
    RETURNING number`);

  /** Queues that may not start a job now: paused, or running as many as their limit allows. */
  function closedQueues(): Set<string> | null {
    const rows = heldOrLimited.all();
    if (rows.length === 0) return null;
    const closed = new Set<string>();
    for (const q of rows) {
      if (q.paused === 1 || (q.parallel !== null && running.get(q.name)!.n >= q.parallel)) closed.add(q.name);
    }
    return closed.size === 0 ? null : closed;
  }

  function pick(now: number): string | null {
    const closed = closedQueues();
    if (closed === null) return pickAny.get(now)?.id ?? null;
    let best: Candidate | null = null;
    for (const { name } of queueNames.all()) {
      if (closed.has(name)) continue;
      const c = pickIn.get(name, now);
      if (c && (best === null || c.priority > best.priority || (c.priority === best.priority && c.seq < best.seq))) best = c;
    }
    return best?.id ?? null;
  }

  return db.transaction((workerId: number, now: number): Claimed | null => {
    const next = pick(now);
    if (next === null) return null;
    const job = take.get(workerId, now, now, next);
    if (!job) return null;
    const { number } = open.get(job.id, job.id, workerId, now)!;
    return { job, attempt: number };
  });
}
