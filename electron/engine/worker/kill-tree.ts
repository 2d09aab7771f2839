import { spawnSync } from 'node:child_process';

/**
 * Signals a job's whole process tree. Commands run as leaders of their own process group (detached), so on
 * POSIX the negative pid reaches every descendant that did not leave the group; on Windows taskkill /T walks
 * the tree. Returns false when nothing was left to signal.
 */
export function killTree(pid: number, signal: NodeJS.Signals): boolean {
  if (process.platform === 'win32') {
    return spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore' }).status === 0;
  }
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
