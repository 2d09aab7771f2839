import { readFileSync } from 'node:fs';

/**
 * Whether process `pid` is still running, for "has it exited yet?" checks on processes we started. A
 * zombie (exited but not yet reaped by its parent: state Z in /proc/<pid>/stat) counts as gone, and so
 * does a pid that signal 0 cannot reach (ESRCH, or EPERM: the pid now belongs to another user's process).
 */
export function isProcessAlive(pid: number): boolean {
  if (!signalReaches(pid)) return false;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // /proc cannot be read (not Linux, or the process was reaped meanwhile): signal 0, asked again, decides.
    return signalReaches(pid);
  }
  // The state follows the command name, which is in parentheses and may itself hold ') '.
  return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
}

/** True if signal 0 can be sent to `pid`: it exists and is ours to signal. */
function signalReaches(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
