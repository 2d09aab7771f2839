import type Database from 'better-sqlite3';
import { JOB_STATES, QueueError, type JobState } from '../../../protocol/index.js';
import type { AttemptRow, JobRow } from './rows.js';
import type { StoredEnv } from './transitions/enqueue.js';

/** Read-only lookups (lists are in list-query.ts, the dashboard's stats in stats-queries.ts). */
export function prepareQueries(db: Database.Database) {
  const byId = db.prepare<[string], JobRow>(`SELECT * FROM jobs WHERE id = ?`);
  const byPrefix = db.prepare<[string, string], { id: string }>(`SELECT id FROM jobs WHERE id >= ? AND id < ? ORDER BY id LIMIT 6`);
  const countByState = db.prepare<[], { state: JobState; n: number }>(`SELECT state, n FROM state_counts`);
  const attempts = db.prepare<[string], AttemptRow>(
    `SELECT number, worker_id, started_at, finished_at, outcome, exit_code, signal, error, log_start, last_line FROM attempts WHERE job_id = ? ORDER BY number`,
  );
  const environment = db.prepare<[number], StoredEnv>(`SELECT vars, digest FROM environments WHERE id = ?`);
  const nextRunAt = db.prepare<[number], { t: number | null }>(
    `SELECT MIN(run_at) AS t FROM jobs INDEXED BY jobs_waiting_run_at WHERE state IN ('pending','failed') AND run_at > ?`,
  );

  function counts(): Record<JobState, number> {
    const out = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const { state, n } of countByState.all()) out[state] = n;
    return out;
  }

  return {
    getJob: (id: string): JobRow | null => byId.get(id) ?? null,

    /** A stored environment (a job's or a schedule's env_id); null for null. */
    environment: (id: number | null): StoredEnv | null => (id === null ? null : (environment.get(id) ?? null)),

    /** An exact id wins; otherwise a unique prefix. JOB_NOT_FOUND or AMBIGUOUS_ID otherwise. */
    resolveId(idOrPrefix: string): string {
      if (idOrPrefix === '') throw new QueueError('INVALID_ARGUMENT', 'job id must not be empty');
      if (byId.get(idOrPrefix)) return idOrPrefix;
      const matches = byPrefix.all(idOrPrefix, idOrPrefix + '\u{10FFFF}').map((r) => r.id);
      if (matches.length === 1) return matches[0]!;
      if (matches.length === 0) throw new QueueError('JOB_NOT_FOUND', `no job with id or prefix "${idOrPrefix}"`, { id: idOrPrefix });
      const shown = matches.slice(0, 5).join(', ') + (matches.length > 5 ? ', …' : '');
      throw new QueueError('AMBIGUOUS_ID', `"${idOrPrefix}" matches several jobs (${shown}); type more of the id`, {
        id: idOrPrefix,
        matches: matches.slice(0, 5),
      });
    },

    counts,
    attempts: (id: string): AttemptRow[] => attempts.all(id),
    /**
     * Earliest run_at after `now` among waiting jobs, or null. Jobs already due but not claimable (their
     * queue is paused or full, a parent has not completed) are left out: what frees them wakes the scheduler.
     */
    nextRunAt: (now: number): number | null => nextRunAt.get(now)?.t ?? null,
  };
}
