/**
 * Each job's and each schedule's environment and umask (protocol/job-env.ts).
 *
 * Environments are stored once per distinct content (`digest`: SHA-256 of the canonical JSON, keys sorted):
 * the jobs of one `enqueue --stdin`, or of one shell, share a row instead of each carrying a few KiB. A job or
 * schedule without one (env_id NULL) runs with the queue's own environment, as every job did before this
 * migration. A row goes with the last job or schedule that used it (the triggers); the jobs_env index keeps
 * that check, and the foreign key's, to one lookup (partial: a job without one costs it nothing). umask: the mask's value (18 = 0o022), the default for
 * jobs and schedules stored before.
 */
export const sql = `
CREATE TABLE environments (
  -- AUTOINCREMENT: an id is never given to other content, even after its row was deleted (the scheduler
  -- caches the last environment it read by id).
  id     INTEGER PRIMARY KEY AUTOINCREMENT,
  digest TEXT NOT NULL UNIQUE,
  -- JSON object of the variables, keys sorted.
  vars   TEXT NOT NULL
);
ALTER TABLE jobs ADD COLUMN env_id INTEGER REFERENCES environments (id);
ALTER TABLE jobs ADD COLUMN umask INTEGER NOT NULL DEFAULT 18 CHECK (umask BETWEEN 0 AND 511);
ALTER TABLE schedules ADD COLUMN env_id INTEGER REFERENCES environments (id);
ALTER TABLE schedules ADD COLUMN umask INTEGER NOT NULL DEFAULT 18 CHECK (umask BETWEEN 0 AND 511);
CREATE INDEX jobs_env ON jobs (env_id) WHERE env_id IS NOT NULL;
CREATE TRIGGER jobs_env_release AFTER DELETE ON jobs WHEN old.env_id IS NOT NULL BEGIN
  DELETE FROM environments WHERE id = old.env_id
    AND NOT EXISTS (SELECT 1 FROM jobs WHERE env_id = old.env_id)
    AND NOT EXISTS (SELECT 1 FROM schedules WHERE env_id = old.env_id);
END;
CREATE TRIGGER schedules_env_release AFTER DELETE ON schedules WHEN old.env_id IS NOT NULL BEGIN
  DELETE FROM environments WHERE id = old.env_id
    AND NOT EXISTS (SELECT 1 FROM jobs WHERE env_id = old.env_id)
    AND NOT EXISTS (SELECT 1 FROM schedules WHERE env_id = old.env_id);
END;
`;
