import type pg from 'pg';
import type { BucketCounts, MinuteSpan } from '../run-minutes.js';
import { FAILED_OUTCOMES, type FailureRow } from '../stats-queries.js';
import { inTransaction, LOCKS, query, rows } from './db.js';

/** The config table and the dashboard's stats: plain reads and one upsert, no transitions. */
export function settingsAndStats(pool: pg.Pool) {
  return {
    configEntries: (): Promise<Array<{ key: string; value: string }>> => rows(pool, 'SELECT key, value FROM queuectl.config ORDER BY key'),
    async setConfig(key: string, json: string): Promise<void> {
      await query(pool, 'INSERT INTO queuectl.config (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, json]);
    },
    runsPerBucket: (span: MinuteSpan, queue: string | null): Promise<BucketCounts[]> =>
      rows<BucketCounts>(
        pool,
        `SELECT ((minute - $1) / $3)::int AS bucket, sum(completed)::int AS completed, sum(failed + dead)::int AS failed,
           sum(dead)::int AS dead, sum(canceled)::int AS canceled
         FROM queuectl.run_minutes WHERE minute >= $1 AND minute < $2 AND ($4::text IS NULL OR queue = $4) GROUP BY bucket`,
        [span.first, span.end, span.size, queue],
      ),
    /** Deletes the minutes before `before` (ms) and folds the rest to one row per (minute, queue); answers how many rows went. */
    pruneRunMinutes: (before: number): Promise<number> =>
      inTransaction(pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.runMinutes]);
        const old = await c.query('DELETE FROM queuectl.run_minutes WHERE minute < $1', [Math.floor(before / 60_000)]);
        await c.query(
          `WITH gone AS (DELETE FROM queuectl.run_minutes RETURNING *)
           INSERT INTO queuectl.run_minutes (minute, queue, completed, failed, dead, canceled)
           SELECT minute, queue, sum(completed), sum(failed), sum(dead), sum(canceled) FROM gone GROUP BY minute, queue`,
        );
        return old.rowCount ?? 0;
      }),
    recentFailures: (limit: number): Promise<FailureRow[]> =>
      rows<FailureRow>(
        pool,
        `SELECT a.job_id, j.name, j.command, j.state, a.number AS attempt, a.finished_at, a.outcome, a.exit_code, a.error, a.last_line
         FROM queuectl.attempts a JOIN queuectl.jobs j ON j.id = a.job_id
         WHERE a.outcome IN ${FAILED_OUTCOMES} ORDER BY a.finished_at DESC, a.id DESC LIMIT $1`,
        [limit],
      ),
  };
}
