/**
 * Throughput that outlives the jobs, and queue readiness (issue 16). Runs that ended, counted per minute and queue in their own
 * table, so `stats` no longer reads the attempts that purge, clean, retention and remove delete.
 *
 * - run_minutes: one row per (minute, queue) that saw a run end. `minute` is ms / 60000 of the moment the job
 *   left processing (its updated_at). completed; failed: the run failed and the job will be retried; dead:
 *   the run failed and was the job's last; canceled: the job was canceled while it ran. A requeued run
 *   (graceful stop) ends nothing and is not counted.
 * - jobs_run_ended: the trigger that keeps it, in the same transaction as the transition (finish, recover,
 *   cancel), like 0007's counts. It fires only when a job leaves processing: claims, enqueues and deletes
 *   never touch the table.
 * - Rows older than RUN_MINUTES_KEPT_DAYS are deleted by retention's periodic run (retention.ts), whatever
 *   the retention settings: the 7-day chart is the longest range.
 * - Filled once from the attempts still stored (the last 8 days): a failed run counts as dead when it was
 *   the last run of a job that is dead now.
 * - jobs_blocked: the waiting jobs whose parents have not all completed, by queue, so `queue.list` and
 *   `status` split waiting jobs into ready and scheduled without reading every waiting job. Jobs without
 *   parents never enter it, so enqueues, claims and finishes of those do not maintain it.
 * - jobs_ready_age: the claimable jobs (as jobs_waiting_queue holds them) by queue and run_at, so a queue's
 *   latency (its oldest ready job) is one index seek, however many jobs wait in it or in other queues.
 * - attempts_finished (0004) served only the old per-minute read of attempts; dropped, so closing a run
 *   maintains one index fewer (the trigger's row costs about what that index did).
 */
export const sql = `
CREATE TABLE run_minutes (
  minute    INTEGER NOT NULL,
  queue     TEXT NOT NULL,
  completed INTEGER NOT NULL DEFAULT 0,
  failed    INTEGER NOT NULL DEFAULT 0,
  dead      INTEGER NOT NULL DEFAULT 0,
  canceled  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (minute, queue)
) WITHOUT ROWID;

INSERT INTO run_minutes (minute, queue, completed, failed, dead, canceled)
  SELECT a.finished_at / 60000, j.queue,
    SUM(a.outcome = 'completed'),
    SUM(a.outcome IN ('failed','timed_out','crashed','interrupted') AND NOT (j.state = 'dead' AND a.number = last.number)),
    SUM(a.outcome IN ('failed','timed_out','crashed','interrupted') AND j.state = 'dead' AND a.number = last.number),
    SUM(a.outcome = 'canceled')
  FROM attempts AS a
  JOIN jobs AS j ON j.id = a.job_id
  JOIN (SELECT job_id, MAX(number) AS number FROM attempts GROUP BY job_id) AS last ON last.job_id = a.job_id
  WHERE a.finished_at >= (CAST(strftime('%s', 'now') AS INTEGER) - 8 * 86400) * 1000
    AND a.outcome IN ('completed','failed','timed_out','crashed','interrupted','canceled')
  GROUP BY 1, 2;
DROP INDEX attempts_finished;
CREATE INDEX jobs_blocked ON jobs (queue) WHERE state IN ('pending','failed') AND waiting_on > 0;
CREATE INDEX jobs_ready_age ON jobs (queue, run_at) WHERE state IN ('pending','failed') AND waiting_on = 0;

CREATE TRIGGER jobs_run_ended AFTER UPDATE OF state ON jobs
  WHEN OLD.state = 'processing' AND NEW.state IN ('completed','failed','dead','canceled') BEGIN
  INSERT INTO run_minutes (minute, queue, completed, failed, dead, canceled)
    VALUES (NEW.updated_at / 60000, NEW.queue, NEW.state = 'completed', NEW.state = 'failed', NEW.state = 'dead', NEW.state = 'canceled')
    ON CONFLICT (minute, queue) DO UPDATE SET
      completed = completed + excluded.completed, failed = failed + excluded.failed,
      dead = dead + excluded.dead, canceled = canceled + excluded.canceled;
END;
`;
