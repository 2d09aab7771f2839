import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { pidRange, type PidWindow } from './pid-window.js';

/** What names a run's processes on Linux: its shell's pid (leader of its group and session) and its marker. */
export interface RunTrace {
  /** The job's shell: leader of its own process group and session (spawned detached, so setsid), or null. */
  leader: number | null;
  /** The run's QUEUECTL_RUN value, inherited by every process it starts unless it scrubs its environment. */
  marker: string | null;
  /**
   * When the leader started (clock ticks since boot, `startTicks`), or null if unknown: every process that
   * carries the marker started at or after it, so older ones are not read (most of a machine's processes).
   */
  since?: number | null;
  /** When the leader was spawned, in this process: a run that ended soon after is read by pid range (pid-window.ts). */
  window?: PidWindow | null;
}

/** True where /proc can be scanned (Linux); elsewhere only the process group is reachable. */
export const CAN_SCAN = process.platform === 'linux';

/**
 * The live processes (zombies left out: they are dead already) of a run, found in /proc: those in the
 * leader's process group or session, and those whose environment at exec held `QUEUECTL_RUN=<marker>`. Only
 * our own uid's environments are readable, which is all a job can make. This process is never included.
 * A pid that is still someone's group or session id is never handed to a new process, so a group or session
 * match cannot hit a stranger. `outsideGroup`: leave out the leader's group (already signalled as a whole).
 */
export function scanRun(run: RunTrace, outsideGroup = false): number[] {
  if (!CAN_SCAN) return [];
  const needle = run.marker ? Buffer.from(`QUEUECTL_RUN=${run.marker}\0`) : null;
  const found: number[] = [];
  const { pids, probed } = candidates(run.window);
  for (const pid of pids) {
    if (pid <= 1 || pid === process.pid) continue;
    const stat = readStat(pid);
    if (stat === null || stat.state === 'Z' || stat.state === 'X') continue;
    let member: boolean;
    if (run.leader !== null && (stat.pgrp === run.leader || stat.session === run.leader)) member = !(outsideGroup && stat.pgrp === run.leader);
    else member = needle !== null && (run.since == null || stat.start >= run.since) && environHas(pid, needle);
    // A probed pid may be a thread (its /proc entry exists, unlisted): the process is found by its own pid.
    if (member && (!probed || isProcess(pid))) found.push(pid);
  }
  return found;
}

/** Up to this many pids in a run's window are read one by one; a wider one is read from /proc's listing. */
const PROBE_MAX = 256;

/**
 * The pids that may belong to the run: those of its pid window when it has one, else every process listed
 * in /proc. `probed`: the pids were not taken from the listing, so some may be threads or gone.
 */
function candidates(window: PidWindow | null | undefined): { pids: number[]; probed: boolean } {
  const range = pidRange(window);
  if (range !== null && range.to - range.from < PROBE_MAX) {
    return { pids: Array.from({ length: range.to - range.from + 1 }, (_, i) => range.from + i), probed: true };
  }
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return { pids: [], probed: false };
  }
  const pids = names.map(Number).filter((pid) => Number.isInteger(pid));
  return { pids: range === null ? pids : pids.filter((pid) => pid >= range.from && pid <= range.to), probed: false };
}

/** A process's start time in clock ticks since boot, or null (gone, or no /proc). */
export function startTicks(pid: number): number | null {
  return CAN_SCAN ? (readStat(pid)?.start ?? null) : null;
}

/** Reused read buffers: procfs files report size 0, so readFileSync's stat-then-read costs ~5x more. */
const statBuffer = Buffer.alloc(4096);
let environBuffer = Buffer.alloc(64 * 1024);

/** Reads a whole /proc file into `buffer` (grown as needed); returns the bytes read, or null. */
function readProc(path: string, grow: boolean): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null; // gone, or another user's
  }
  try {
    let buffer = grow ? environBuffer : statBuffer;
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) {
        if (!grow) break;
        const bigger = Buffer.alloc(buffer.length * 2);
        buffer.copy(bigger);
        buffer = environBuffer = bigger;
      }
    }
    return buffer.subarray(0, length);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function readStat(pid: number): { state: string; pgrp: number; session: number; start: number } | null {
  const bytes = readProc(`/proc/${pid}/stat`, false);
  if (bytes === null) return null;
  const stat = bytes.toString('latin1');
  // The command name (field 2) may hold spaces and parentheses: fields follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0]!, pgrp: Number(fields[2]), session: Number(fields[3]), start: Number(fields[19]) };
}

/** True when `pid` is a process (its thread group's leader), not one of its other threads. */
function isProcess(pid: number): boolean {
  const status = readProc(`/proc/${pid}/status`, false);
  return status !== null && new RegExp(`^Tgid:\\s*${pid}$`, 'm').test(status.toString('latin1'));
}

function environHas(pid: number, needle: Buffer): boolean {
  const environ = readProc(`/proc/${pid}/environ`, true);
  if (environ === null) return false;
  const at = environ.indexOf(needle);
  return at === 0 || (at > 0 && environ[at - 1] === 0);
}
