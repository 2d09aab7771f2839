import { unlink } from 'node:fs/promises';
import { logPathFor } from '../store/rows.js';

/** Unlinks run this many at a time, so purging a large DLQ neither blocks the daemon nor floods the fs. */
const PARALLEL_UNLINKS = 32;

/**
 * Deletes the logs of jobs that were just removed from the database. A log that is not there is fine; any
 * other failure is logged and left (the jobs are gone either way; the file is only disk space).
 */
export async function removeLogs(logsDir: string, ids: readonly string[], log: (message: string) => void): Promise<void> {
  let next = 0;
  let failures = 0;
  let firstFailure = '';
  const lane = async (): Promise<void> => {
    while (next < ids.length) {
      const path = logPathFor(logsDir, ids[next++]!);
      try {
        await unlink(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        if (failures++ === 0) firstFailure = `${path}: ${(err as Error).message}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_UNLINKS, ids.length) }, lane));
  if (failures > 0) log(`could not delete ${failures} log file(s) of removed jobs, e.g. ${firstFailure}`);
}
