/**
 * Indexes for the dashboard's reads:
 * - attempts_finished: runs by finish time, with the outcome, so `stats` counts the last hour per minute
 *   from the index alone;
 * - attempts_failed: failed runs only, newest first, so the recent failures are found without walking
 *   past every completed run (small: only failures enter it);
 * - jobs_updated: `list` sorted by last change pages through an index instead of sorting every job.
 */
export const sql = `
CREATE INDEX attempts_finished ON attempts (finished_at, outcome);
CREATE INDEX attempts_failed ON attempts (finished_at) WHERE outcome IN ('failed','timed_out','crashed','interrupted');
CREATE INDEX jobs_updated ON jobs (updated_at, seq);
`;
