/**
 * `enqueue --notify`: the desktop app announces the job's end (completed or dead). Jobs stored before ask for
 * nothing (0).
 */
export const sql = `
ALTER TABLE jobs ADD COLUMN notify INTEGER NOT NULL DEFAULT 0 CHECK (notify IN (0, 1));
`;
