/**
 * The whole schema as of SQLite's migration 0012, in the `queuectl` schema: the same tables, columns and
 * states, so rows read the same through either adapter. Times are timestamptz (read back as epoch ms by
 * connect.ts), flags boolean (read back as 0/1). Differences, each for concurrency:
 * - per-queue state counts are a table of deltas written by statement-level triggers (one row per statement
 *   and (queue, state), never an UPDATE of a shared counter row, so concurrent claims and finishes never
 *   wait on each other or deadlock on the counters); reads sum it and fold it back to one row per pair
 *   (jobs.ts `counts`);
 * - a NOTIFY on `queuectl_jobs` when jobs are inserted or become pending (wake-ups, notify.ts);
 * - run_minutes (SQLite 0013) is appended to by the same update trigger, one row per statement and (minute,
 *   queue), never updated in place (the same reason); reads sum it, and pruning folds it (settings-stats.ts).
 * Also as of SQLite 0014: schedules' paused_at, skipped and last_skipped_slot; jobs_blocked.
 */
export const sql = `
CREATE TABLE queuectl.environments (
  id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  digest text NOT NULL UNIQUE,
  vars   text NOT NULL
);

CREATE TABLE queuectl.jobs (
  seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id            text NOT NULL UNIQUE,
  name          text,
  command       text NOT NULL,
  state         text NOT NULL CHECK (state IN ('pending','processing','completed','failed','dead','canceled')),
  attempts      integer NOT NULL DEFAULT 0,
  max_retries   integer NOT NULL,
  priority      integer NOT NULL DEFAULT 0,
  timeout_ms    bigint,
  cwd           text,
  run_at        timestamptz NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  started_at    timestamptz,
  finished_at   timestamptz,
  exit_code     integer,
  last_error    text,
  worker_id     integer,
  queue         text NOT NULL DEFAULT 'default',
  depends_on    text,
  waiting_on    integer NOT NULL DEFAULT 0,
  canceled_by   text,
  schedule_id   text,
  scheduled_for timestamptz,
  env_id        bigint REFERENCES queuectl.environments (id),
  umask         integer NOT NULL DEFAULT 18 CHECK (umask BETWEEN 0 AND 511),
  notify        boolean NOT NULL DEFAULT false,
  keep_children boolean NOT NULL DEFAULT false,
  last_line     text
);
CREATE INDEX jobs_waiting ON queuectl.jobs (priority DESC, seq) INCLUDE (run_at, queue) WHERE state IN ('pending','failed') AND waiting_on = 0;
CREATE INDEX jobs_waiting_queue ON queuectl.jobs (queue, priority DESC, seq) INCLUDE (run_at) WHERE state IN ('pending','failed') AND waiting_on = 0;
CREATE INDEX jobs_waiting_run_at ON queuectl.jobs (run_at) WHERE state IN ('pending','failed');
CREATE INDEX jobs_state_seq ON queuectl.jobs (state, seq);
CREATE INDEX jobs_queue_state ON queuectl.jobs (queue, state);
CREATE INDEX jobs_updated ON queuectl.jobs (updated_at, seq);
CREATE INDEX jobs_finished ON queuectl.jobs (state, finished_at) WHERE state IN ('completed','dead','canceled');
CREATE UNIQUE INDEX jobs_schedule_slot ON queuectl.jobs (schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL;
CREATE INDEX jobs_env ON queuectl.jobs (env_id) WHERE env_id IS NOT NULL;
CREATE INDEX jobs_blocked ON queuectl.jobs (queue) WHERE state IN ('pending','failed') AND waiting_on > 0;

CREATE TABLE queuectl.attempts (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id        text NOT NULL REFERENCES queuectl.jobs (id) ON DELETE CASCADE,
  number        integer NOT NULL,
  worker_id     integer,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  outcome       text NOT NULL DEFAULT 'running',
  exit_code     integer,
  signal        text,
  error         text,
  pgid          integer,
  pgid_identity text,
  log_start     bigint CHECK (log_start >= 0),
  last_line     text,
  run_marker    text,
  UNIQUE (job_id, number)
);
CREATE INDEX attempts_failed ON queuectl.attempts (finished_at) WHERE outcome IN ('failed','timed_out','crashed','interrupted');
CREATE INDEX attempts_running ON queuectl.attempts (job_id) WHERE outcome = 'running';

CREATE TABLE queuectl.job_deps (
  parent_id text NOT NULL REFERENCES queuectl.jobs (id) ON DELETE CASCADE,
  child_id  text NOT NULL REFERENCES queuectl.jobs (id) ON DELETE CASCADE,
  PRIMARY KEY (parent_id, child_id)
);
CREATE INDEX job_deps_child ON queuectl.job_deps (child_id);

CREATE TABLE queuectl.config (
  key   text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE queuectl.queues (
  name          text PRIMARY KEY,
  paused        boolean NOT NULL DEFAULT false,
  paused_at     timestamptz,
  paused_reason text,
  parallel      integer CHECK (parallel IS NULL OR parallel >= 1),
  pause_on_dead boolean NOT NULL DEFAULT false
);
INSERT INTO queuectl.queues (name) VALUES ('default');

CREATE TABLE queuectl.pause_all (
  id        integer PRIMARY KEY CHECK (id = 1),
  paused    boolean NOT NULL DEFAULT false,
  paused_at timestamptz
);
INSERT INTO queuectl.pause_all (id) VALUES (1);

CREATE TABLE queuectl.schedules (
  id          text PRIMARY KEY,
  cron        text NOT NULL,
  tz          text,
  spec        text NOT NULL,
  created_at  timestamptz NOT NULL,
  next_at     timestamptz NOT NULL,
  last_slot   timestamptz,
  last_job_id text,
  overlap     text NOT NULL DEFAULT 'skip' CHECK (overlap IN ('skip', 'allow')),
  env_id      bigint REFERENCES queuectl.environments (id),
  umask       integer NOT NULL DEFAULT 18 CHECK (umask BETWEEN 0 AND 511),
  paused_at   timestamptz,
  skipped     integer NOT NULL DEFAULT 0,
  last_skipped_slot timestamptz
);
CREATE INDEX schedules_next ON queuectl.schedules (next_at);

-- Runs that ended per minute (ms / 60000 of the job's updated_at as it left processing) and queue.
CREATE TABLE queuectl.run_minutes (
  minute    bigint NOT NULL,
  queue     text NOT NULL,
  completed integer NOT NULL DEFAULT 0,
  failed    integer NOT NULL DEFAULT 0,
  dead      integer NOT NULL DEFAULT 0,
  canceled  integer NOT NULL DEFAULT 0
);
CREATE INDEX run_minutes_minute ON queuectl.run_minutes (minute, queue);

-- Jobs per queue and state, as deltas; the sum per (queue, state) is the count.
CREATE TABLE queuectl.state_deltas (
  queue text NOT NULL,
  state text NOT NULL,
  n     bigint NOT NULL
);

CREATE FUNCTION queuectl.count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO queuectl.state_deltas (queue, state, n) SELECT queue, state, count(*) FROM new_rows GROUP BY queue, state;
  IF EXISTS (SELECT 1 FROM new_rows WHERE state = 'pending') THEN PERFORM pg_notify('queuectl_jobs', ''); END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION queuectl.count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO queuectl.state_deltas (queue, state, n) SELECT queue, state, -count(*) FROM old_rows GROUP BY queue, state;
  RETURN NULL;
END $$;
CREATE FUNCTION queuectl.count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO queuectl.state_deltas (queue, state, n)
    SELECT queue, state, sum(n) FROM (
      SELECT queue, state, -1 AS n FROM old_rows UNION ALL SELECT queue, state, 1 FROM new_rows
    ) AS d GROUP BY queue, state HAVING sum(n) <> 0;
  INSERT INTO queuectl.run_minutes (minute, queue, completed, failed, dead, canceled)
    SELECT floor(extract(epoch FROM n.updated_at) / 60)::bigint, n.queue,
      count(*) FILTER (WHERE n.state = 'completed'), count(*) FILTER (WHERE n.state = 'failed'),
      count(*) FILTER (WHERE n.state = 'dead'), count(*) FILTER (WHERE n.state = 'canceled')
    FROM new_rows n JOIN old_rows o ON o.seq = n.seq
    WHERE o.state = 'processing' AND n.state IN ('completed','failed','dead','canceled')
    GROUP BY 1, 2;
  IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.seq = n.seq WHERE n.state = 'pending' AND (o.state <> 'pending' OR o.run_at <> n.run_at))
    THEN PERFORM pg_notify('queuectl_jobs', ''); END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER jobs_count_insert AFTER INSERT ON queuectl.jobs
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION queuectl.count_inserted();
CREATE TRIGGER jobs_count_delete AFTER DELETE ON queuectl.jobs
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION queuectl.count_deleted();
CREATE TRIGGER jobs_count_update AFTER UPDATE ON queuectl.jobs
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION queuectl.count_updated();

-- An environment goes with the last job or schedule using it.
CREATE FUNCTION queuectl.release_environments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM queuectl.environments e WHERE e.id IN (SELECT DISTINCT env_id FROM old_rows WHERE env_id IS NOT NULL)
    AND NOT EXISTS (SELECT 1 FROM queuectl.jobs j WHERE j.env_id = e.id)
    AND NOT EXISTS (SELECT 1 FROM queuectl.schedules s WHERE s.env_id = e.id);
  RETURN NULL;
END $$;
CREATE TRIGGER jobs_env_release AFTER DELETE ON queuectl.jobs
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION queuectl.release_environments();
CREATE TRIGGER schedules_env_release AFTER DELETE ON queuectl.schedules
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION queuectl.release_environments();
`;
