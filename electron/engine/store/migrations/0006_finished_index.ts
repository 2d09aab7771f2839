/**
 * jobs_finished: finished jobs by state and finish time (seq, the rowid, breaks ties), so `jobs.clean
 * --older-than` and retention find the oldest finished jobs, and count those older than a limit, from the
 * index instead of reading every job. Partial: pending, processing and failed jobs never enter it, so
 * claims and retries do not maintain it.
 */
export const sql = `
CREATE INDEX jobs_finished ON jobs (state, finished_at) WHERE state IN ('completed','dead','canceled');
`;
