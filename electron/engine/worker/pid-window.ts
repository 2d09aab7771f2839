import { closeSync, openSync, readlinkSync, readSync } from 'node:fs';

/**
 * Which pids can belong to a run that ended soon after its shell started, so the end-of-job scan reads a
 * handful of /proc entries instead of every process on the machine (bench/README.md, "What limits drain").
 *
 * Every process of a run was forked after its shell (the leader): its session and group hold only the
 * leader's descendants, and a marker carrier is only looked at if it started after the leader (proc-scan.ts,
 * `since`). Linux hands out pids in increasing order, wrapping at pid_max; `ns_last_pid` is the last one it
 * handed out. So while the counter has not wrapped since the leader's spawn, every process of the run has a
 * pid in [leader, ns_last_pid]. Two readings cannot tell "no wrap" from "a whole turn" (pid_max − 300 pids,
 * at least 32,468), so the window is used only for a run that ends within WINDOW_MS of its spawn: a whole turn
 * in that time would take over 300,000 new processes or threads a second. Anything else is scanned in full,
 * as is every run where /proc is not this process's pid namespace.
 */

/** How long after its spawn a run may end and still be scanned by its pid window. */
export const WINDOW_MS = 100;

/** When and as which pid a run's leader was spawned (performance.now() of the worker), or null. */
export interface PidWindow {
  leader: number;
  spawnedAt: number;
}

/** The pids to read, inclusive. */
export interface PidRange {
  from: number;
  to: number;
}

/**
 * The range that holds every process of the run, or null when it cannot be bounded (too late, the counter
 * wrapped, or /proc is not ours): then every pid is read.
 */
export function pidRange(window: PidWindow | null | undefined, now = performance.now()): PidRange | null {
  if (!window || now - window.spawnedAt > WINDOW_MS || !procIsOurNamespace()) return null;
  const last = lastPid();
  return last !== null && last >= window.leader ? { from: window.leader, to: last } : null;
}

let ourNamespace: boolean | undefined;
/** /proc/self names this process by its own pid only when /proc was mounted for its pid namespace. */
function procIsOurNamespace(): boolean {
  if (ourNamespace === undefined) {
    try {
      ourNamespace = readlinkSync('/proc/self') === String(process.pid);
    } catch {
      ourNamespace = false;
    }
  }
  return ourNamespace;
}

const cursorBuffer = Buffer.alloc(32);
/** The last pid handed out in this pid namespace, or null where it cannot be read. */
function lastPid(): number | null {
  let fd: number;
  try {
    fd = openSync('/proc/sys/kernel/ns_last_pid', 'r');
  } catch {
    return null;
  }
  try {
    const n = readSync(fd, cursorBuffer, 0, cursorBuffer.length, 0);
    const pid = Number(cursorBuffer.toString('latin1', 0, n).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
