/**
 * Scheduling power: named queues with their own limits, dependencies between jobs, recurring schedules.
 *
 * - jobs.queue: the named queue a job runs in; every queue a job names has a row in `queues` (enqueue adds
 *   it), so limits and pause are looked up there.
 * - jobs.depends_on / waiting_on / canceled_by and job_deps: `enqueue --after`. waiting_on counts parents not
 *   yet completed; only jobs at 0 enter the claim indexes, so blocked children cost claims nothing.
 * - queues.parallel / pause_on_dead: per-queue limit and automatic pause.
 * - pause_all: the switch that holds every queue (`queuectl pause` without --queue). Until now the default
 *   queue's row held it; its state moves here and the row becomes the queue named "default".
 * - schedules and jobs.schedule_id / scheduled_for: recurring jobs, one job per (schedule, slot).
 * - queue_state_counts: jobs per queue and state, kept by triggers (replacing 0002's per-state ones, at the
 *   same cost per change); state_counts becomes a view summing it, so `status` and `queue list` read a few
 *   rows instead of counting every job.
 */
export const sql = `
-- Named queue the job runs in.
ALTER TABLE jobs ADD COLUMN queue TEXT NOT NULL DEFAULT 'default';
-- Parent ids as a JSON array, NULL when none (kept in the order given; job_deps is the index of it).
ALTER TABLE jobs ADD COLUMN depends_on TEXT;
-- Parents not yet completed; the job cannot be claimed while above 0.
ALTER TABLE jobs ADD COLUMN waiting_on INTEGER NOT NULL DEFAULT 0;
-- The parent whose death canceled this job (for dlq retry --with-dependents), NULL otherwise.
ALTER TABLE jobs ADD COLUMN canceled_by TEXT;
-- The schedule that enqueued this job and the slot (ms) it fired for.
ALTER TABLE jobs ADD COLUMN schedule_id TEXT;
ALTER TABLE jobs ADD COLUMN scheduled_for INTEGER;

-- Dependency edges: child waits for parent. Looked up by parent when the parent ends.
CREATE TABLE job_deps (
  parent_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  child_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  PRIMARY KEY (parent_id, child_id)
) WITHOUT ROWID;
CREATE INDEX job_deps_child ON job_deps (child_id);

-- Claims: only jobs with every parent completed are candidates. run_at trails (as since 0003) so rows not
-- yet due are skipped from the index alone.
DROP INDEX jobs_waiting;
CREATE INDEX jobs_waiting ON jobs (priority DESC, seq, run_at) WHERE state IN ('pending','failed') AND waiting_on = 0;
-- Claims while some queue is paused or at its limit: the best job of each open queue.
CREATE INDEX jobs_waiting_queue ON jobs (queue, priority DESC, seq, run_at) WHERE state IN ('pending','failed') AND waiting_on = 0;
-- The running jobs of a queue (claims under a parallel limit), list --queue.
CREATE INDEX jobs_queue_state ON jobs (queue, state);

-- Jobs per queue and state, in the same transaction as every change.
DROP TRIGGER jobs_count_insert;
DROP TRIGGER jobs_count_delete;
DROP TRIGGER jobs_count_update;
DROP TABLE state_counts;
CREATE TABLE queue_state_counts (
  queue TEXT NOT NULL,
  state TEXT NOT NULL,
  n     INTEGER NOT NULL,
  PRIMARY KEY (queue, state)
) WITHOUT ROWID;
INSERT INTO queue_state_counts (queue, state, n) SELECT queue, state, count(*) FROM jobs GROUP BY queue, state;
CREATE VIEW state_counts AS SELECT state, sum(n) AS n FROM queue_state_counts GROUP BY state;
CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs BEGIN
  INSERT INTO queue_state_counts (queue, state, n) VALUES (NEW.queue, NEW.state, 1)
    ON CONFLICT (queue, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs BEGIN
  UPDATE queue_state_counts SET n = n - 1 WHERE queue = OLD.queue AND state = OLD.state;
END;
CREATE TRIGGER jobs_count_update AFTER UPDATE OF state, queue ON jobs
  WHEN OLD.state <> NEW.state OR OLD.queue <> NEW.queue BEGIN
  UPDATE queue_state_counts SET n = n - 1 WHERE queue = OLD.queue AND state = OLD.state;
  INSERT INTO queue_state_counts (queue, state, n) VALUES (NEW.queue, NEW.state, 1)
    ON CONFLICT (queue, state) DO UPDATE SET n = n + 1;
END;
-- One job per schedule slot, however often a firing is attempted.
CREATE UNIQUE INDEX jobs_schedule_slot ON jobs (schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL;

-- Most jobs of the queue running at once; NULL: no limit but the worker count.
ALTER TABLE queues ADD COLUMN parallel INTEGER CHECK (parallel IS NULL OR parallel >= 1);
-- 1: pause the queue when one of its jobs goes dead.
ALTER TABLE queues ADD COLUMN pause_on_dead INTEGER NOT NULL DEFAULT 0 CHECK (pause_on_dead IN (0, 1));
-- Why it is paused, in words ("job x went dead"), NULL when paused by hand or running.
ALTER TABLE queues ADD COLUMN paused_reason TEXT;

-- Exactly one row: 1 while every queue is held (queuectl pause), since paused_at (ms).
CREATE TABLE pause_all (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  paused    INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  paused_at INTEGER
);
INSERT INTO pause_all (id, paused, paused_at) SELECT 1, paused, paused_at FROM queues WHERE name = 'default';
INSERT OR IGNORE INTO pause_all (id) VALUES (1);
UPDATE queues SET paused = 0, paused_at = NULL WHERE name = 'default';

-- Recurring jobs.
CREATE TABLE schedules (
  -- Generated like job ids.
  id          TEXT PRIMARY KEY,
  -- The cron expression as given.
  cron        TEXT NOT NULL,
  -- IANA zone it is read in; NULL: the daemon's local zone.
  tz          TEXT,
  -- The JobSpec (JSON) each firing enqueues: command, queue, name, max_retries, priority, timeout_ms, cwd.
  spec        TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  -- The next slot to fire (ms).
  next_at     INTEGER NOT NULL,
  -- The slot fired last (ms) and the job it enqueued.
  last_slot   INTEGER,
  last_job_id TEXT,
  -- 'skip': a slot whose previous job has not ended yet enqueues nothing; 'allow': every slot enqueues.
  overlap     TEXT NOT NULL DEFAULT 'skip' CHECK (overlap IN ('skip', 'allow'))
);
CREATE INDEX schedules_next ON schedules (next_at);
`;
