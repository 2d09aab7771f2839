import type Database from 'better-sqlite3';
import type { CleanableState } from '../../../../protocol/index.js';

/**
 * Most jobs one clean transaction deletes, so a clean of a million jobs never holds the database for long:
 * about 20 ms a batch on our machines (a job's row, its attempts, five indexes, the state count), where
 * 5,000 took 100-160 ms; fsync is a small part of it, so larger batches would not be faster overall.
 */
export const CLEAN_BATCH = 1000;

/** Which jobs of one state a clean deletes. */
export interface CleanFilter {
  state: CleanableState;
  /**
   * Only jobs whose finished_at is before this time (ms since the epoch); null: any age. Every transition
   * into a finished state sets finished_at (a canceled job that never ran: when it was canceled), so this
   * is the time the job became finished; a row without one (none is made) is never "older than".
   */
  finishedBefore: number | null;
  /** Only jobs stored when the clean began (seq up to this), so a clean always ends however fast jobs finish. */
  maxSeq: number;
}

/**
 * Bulk deletion of finished jobs (`jobs.clean`, retention), one bounded batch per transaction; the caller
 * loops, yields between batches, and deletes the logs of the ids each batch answers. Attempts go with their
 * jobs (ON DELETE CASCADE). `keep`: ids never deleted, the jobs whose run the pool still has (a canceled job
 * still being killed must outlive its run, see job-remove.ts).
 */
export function prepareClean(db: Database.Database) {
  const lastSeq = db.prepare<[], { seq: number | null }>(`SELECT max(seq) AS seq FROM jobs`);
  // Any age: walks jobs_state_seq. Older than: walks jobs_finished (migration 0006), oldest first; the
  // repeated state IN (...) lets SQLite use that partial index.
  const anyAge = db.prepare<{ state: string; maxSeq: number; keep: string; limit: number }, { id: string }>(`
    DELETE FROM jobs WHERE seq IN (
      SELECT seq FROM jobs WHERE state = @state AND seq <= @maxSeq AND id NOT IN (SELECT value FROM json_each(@keep))
      ORDER BY seq LIMIT @limit
    ) AND state IN ('completed','dead','canceled') RETURNING id`);
  const olderThan = db.prepare<{ state: string; before: number; maxSeq: number; keep: string; limit: number }, { id: string }>(`
    DELETE FROM jobs WHERE seq IN (
      SELECT seq FROM jobs WHERE state IN ('completed','dead','canceled') AND state = @state AND finished_at < @before
        AND seq <= @maxSeq AND id NOT IN (SELECT value FROM json_each(@keep))
      ORDER BY finished_at, seq LIMIT @limit
    ) AND state IN ('completed','dead','canceled') RETURNING id`);
  // Counting (dry runs): from the indexes alone, then the kept ids that would have matched are taken off.
  const countState = db.prepare<[string], { n: number }>(`SELECT n FROM state_counts WHERE state = ?`);
  const countOlder = db.prepare<{ state: string; before: number }, { n: number }>(`
    SELECT count(*) AS n FROM jobs WHERE state IN ('completed','dead','canceled') AND state = @state AND finished_at < @before`);
  // The unary + keeps SQLite from walking a state index instead of looking the few kept ids up.
  const keptAnyAge = db.prepare<{ state: string; keep: string }, { n: number }>(`
    SELECT count(*) AS n FROM jobs WHERE id IN (SELECT value FROM json_each(@keep)) AND +state = @state`);
  const keptOlder = db.prepare<{ state: string; before: number; keep: string }, { n: number }>(`
    SELECT count(*) AS n FROM jobs WHERE id IN (SELECT value FROM json_each(@keep)) AND +state = @state AND +finished_at < @before`);
  // Retention's count limit: the oldest finished jobs (completed and canceled; dead ones are the DLQ's) by
  // finished_at, then seq: the oldest `limit` of each state from jobs_finished, merged.
  const oldestFinished = db.prepare<{ keep: string; limit: number }, { id: string }>(`
    DELETE FROM jobs WHERE seq IN (
      SELECT seq FROM (
        SELECT seq, finished_at FROM (
          SELECT seq, finished_at FROM jobs WHERE state IN ('completed','dead','canceled') AND state = 'completed'
            AND id NOT IN (SELECT value FROM json_each(@keep)) ORDER BY finished_at, seq LIMIT @limit)
        UNION ALL
        SELECT seq, finished_at FROM (
          SELECT seq, finished_at FROM jobs WHERE state IN ('completed','dead','canceled') AND state = 'canceled'
            AND id NOT IN (SELECT value FROM json_each(@keep)) ORDER BY finished_at, seq LIMIT @limit)
      ) ORDER BY finished_at, seq LIMIT @limit
    ) AND state IN ('completed','canceled') RETURNING id`);
  const finishedCount = db.prepare<[], { n: number }>(`SELECT coalesce(sum(n), 0) AS n FROM state_counts WHERE state IN ('completed','canceled')`);

  const ids = (rows: Array<{ id: string }>): string[] => rows.map((r) => r.id);

  return {
    /** The newest job's seq (0 with no jobs): bounds a clean to the jobs stored when it began. */
    lastSeq: (): number => lastSeq.get()?.seq ?? 0,

    /** Deletes up to `limit` jobs matching `filter` except `keep`, in one transaction; answers their ids. */
    cleanBatch: db.transaction((filter: CleanFilter, keep: readonly string[], limit: number = CLEAN_BATCH): string[] => {
      const common = { state: filter.state, maxSeq: filter.maxSeq, keep: JSON.stringify(keep), limit };
      return ids(filter.finishedBefore === null ? anyAge.all(common) : olderThan.all({ ...common, before: filter.finishedBefore }));
    }),

    /** How many jobs `cleanBatch` would delete now (ignoring maxSeq: every job now was stored before). */
    countClean(filter: CleanFilter, keep: readonly string[]): number {
      const k = JSON.stringify(keep);
      if (filter.finishedBefore === null) {
        return (countState.get(filter.state)?.n ?? 0) - (keptAnyAge.get({ state: filter.state, keep: k })?.n ?? 0);
      }
      const before = filter.finishedBefore;
      return (countOlder.get({ state: filter.state, before })?.n ?? 0) - (keptOlder.get({ state: filter.state, before, keep: k })?.n ?? 0);
    },

    /** Completed plus canceled jobs now (what retention_max_jobs limits). */
    finishedCount: (): number => finishedCount.get()?.n ?? 0,

    /**
     * Deletes the oldest finished (completed, canceled) jobs beyond `max` of them, at most `limit`, except
     * `keep`, in one transaction; answers their ids (none when there are `max` or fewer).
     */
    trimFinished: db.transaction((max: number, keep: readonly string[], limit: number = CLEAN_BATCH): string[] => {
      const excess = (finishedCount.get()?.n ?? 0) - max;
      if (excess <= 0) return [];
      return ids(oldestFinished.all({ keep: JSON.stringify(keep), limit: Math.min(excess, limit) }));
    }),
  };
}
