/**
 * The run's QUEUECTL_RUN marker (worker/contain.ts), recorded when the run is claimed: start-up recovery
 * after a crash of the daemon and its workers kills every process still carrying it, not only the run's
 * process group (orphan-runs.ts). Attempts stored before have none.
 */
export const sql = `
ALTER TABLE attempts ADD COLUMN run_marker TEXT;
`;
