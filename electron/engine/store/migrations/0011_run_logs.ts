/**
 * Logs per run (issue 13): each attempt records where its section of the job's log begins (`log_start`, a
 * byte offset measured when the run was claimed), so every run has its own cap and `logs --run N` reads one
 * run. `last_line`: a failed run's last line of output, its summary (on the attempt, and on the job for its
 * latest run). Attempts stored before have neither: their runs read as one section.
 */
export const sql = `
ALTER TABLE attempts ADD COLUMN log_start INTEGER CHECK (log_start >= 0);
ALTER TABLE attempts ADD COLUMN last_line TEXT;
ALTER TABLE jobs ADD COLUMN last_line TEXT;
`;
