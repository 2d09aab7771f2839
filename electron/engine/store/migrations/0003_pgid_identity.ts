/**
 * - attempts.pgid_identity: boot id + start time of the process group leader, so start-up recovery kills a
 *   group a crash left running only if it is still that same process (pids are reused, and reset by a reboot).
 * - jobs_waiting gains run_at as a trailing column: the claim query checks run_at from the index itself
 *   instead of reading every waiting-but-not-due row (many retries in backoff made claims slow).
 */
export const sql = `
ALTER TABLE attempts ADD COLUMN pgid_identity TEXT;
DROP INDEX jobs_waiting;
CREATE INDEX jobs_waiting ON jobs (priority DESC, seq, run_at) WHERE state IN ('pending','failed');
`;
