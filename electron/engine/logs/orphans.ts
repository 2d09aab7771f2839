import { readdirSync } from 'node:fs';

/**
 * The ids of log files in `dir` whose job no longer exists: a crash between a clean's (or retention's, or a
 * remove's) commit and its unlinks leaves them. Found at start-up and handed to `JobLogs.deleteLogs`, which
 * queues them at once: a job enqueued again with such an id has the old log deleted before it is stored,
 * so it never inherits it. Only `<id>.log` names are looked at.
 */
export async function orphanLogIds(dir: string, jobExists: (id: string) => Promise<boolean>): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const orphans: string[] = [];
  for (const name of names) {
    if (!name.endsWith('.log')) continue;
    const id = name.slice(0, -'.log'.length);
    if (id !== '' && !(await jobExists(id))) orphans.push(id);
  }
  return orphans;
}
