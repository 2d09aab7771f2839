/** Jobs, their runs, and the settings. Timestamps are milliseconds since the epoch (UTC). */
export const sql = `
CREATE TABLE jobs (
  -- Insertion order: the tie-breaker that makes "oldest first" exact.
  seq         INTEGER PRIMARY KEY,
  -- Generated (8 chars) or chosen by the user.
  id          TEXT NOT NULL UNIQUE,
  name        TEXT,
  command     TEXT NOT NULL,
  state       TEXT NOT NULL CHECK (state IN ('pending','processing','completed','failed','dead','canceled')),
  -- Failed runs so far; the job goes dead when attempts exceeds max_retries.
  attempts    INTEGER NOT NULL DEFAULT 0,
  max_retries INTEGER NOT NULL,
  -- Higher runs sooner.
  priority    INTEGER NOT NULL DEFAULT 0,
  -- NULL: no timeout.
  timeout_ms  INTEGER,
  cwd         TEXT,
  -- Not started before this time; for a failed job, when the retry is due.
  run_at      INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  started_at  INTEGER,
  finished_at INTEGER,
  exit_code   INTEGER,
  last_error  TEXT,
  -- Worker running it while processing.
  worker_id   INTEGER
);

-- The claim query walks this in order: waiting jobs only, highest priority, then oldest.
CREATE INDEX jobs_waiting ON jobs (priority DESC, seq) WHERE state IN ('pending','failed');
-- Next timer: the earliest run_at among waiting jobs.
CREATE INDEX jobs_waiting_run_at ON jobs (run_at) WHERE state IN ('pending','failed');
-- list --state s: newest first within a state (list without a state walks the primary key).
CREATE INDEX jobs_state_seq ON jobs (state, seq);

CREATE TABLE attempts (
  id          INTEGER PRIMARY KEY,
  job_id      TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  -- 1 for the first run of the job, counting every run.
  number      INTEGER NOT NULL,
  worker_id   INTEGER,
  started_at  INTEGER NOT NULL,
  finished_at INTEGER,
  -- running | completed | failed | timed_out | canceled | crashed | interrupted | requeued
  outcome     TEXT NOT NULL DEFAULT 'running',
  exit_code   INTEGER,
  signal      TEXT,
  error       TEXT,
  -- Process group of the command while it runs, so a restart can kill what a crash left behind.
  pgid        INTEGER,
  UNIQUE (job_id, number)
);

-- Settings; value is JSON. Keys missing here take their defaults.
CREATE TABLE config (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;
