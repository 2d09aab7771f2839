/**
 * Queues and their state. Today one row, 'default': the whole queue. Pausing it stops jobs from starting
 * (running ones continue) and survives restarts. Named queues with their own limits extend this table.
 */
export const sql = `
CREATE TABLE queues (
  name      TEXT PRIMARY KEY,
  -- 1 while paused: no job of this queue starts.
  paused    INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  -- When it was paused (ms since the epoch), NULL while running.
  paused_at INTEGER
);
INSERT INTO queues (name) VALUES ('default');
`;
