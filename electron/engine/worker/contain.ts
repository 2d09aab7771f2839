import { randomBytes } from 'node:crypto';
import { killTree } from './kill-tree.js';
import { CAN_SCAN, scanRun, type RunTrace } from './proc-scan.js';

export type { RunTrace } from './proc-scan.js';

/** The variable that marks every process of one run (docs/jobs.md, "Process lifetime"). */
export const RUN_MARKER_VAR = 'QUEUECTL_RUN';

/** Random bytes drawn 4 kB at a time, 256 markers each: a randomBytes call per run costs ~15 × more. */
let pool = Buffer.alloc(0);
let poolAt = 0;

/** A fresh marker for one run: 128 random bits, so no other run and no stranger can carry it by chance. */
export function newRunMarker(): string {
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  poolAt += 16;
  return pool.toString('hex', poolAt - 16, poolAt);
}

/** How long killRun keeps going after processes that will not die (uninterruptible sleep) before it gives up. */
const KILL_LIMIT_MS = 2000;

/**
 * Sends `signal` to every process of the run: its process group (taskkill /T on Windows) and, on Linux, each
 * process found in its session or carrying its marker. A stopped process only acts on SIGTERM once
 * continued, so SIGTERM is followed by SIGCONT.
 */
export function signalRun(run: RunTrace, signal: NodeJS.Signals): void {
  if (run.leader !== null) killTree(run.leader, signal);
  // The group had its signal: the rest are those that left it (a trap would run twice otherwise).
  const pids = scanRun(run, run.leader !== null);
  for (const pid of pids) sendSignal(pid, signal);
  if (signal === 'SIGTERM') {
    if (run.leader !== null && process.platform !== 'win32') killTree(run.leader, 'SIGCONT');
    for (const pid of pids) sendSignal(pid, 'SIGCONT');
  }
}

/**
 * Kills every process of the run, synchronously, and returns how many it found. On Linux: freeze, then kill
 * (every process found gets SIGSTOP; scans repeat until one finds no process not yet stopped, so a fork loop
 * cannot outrun it; then SIGKILL to all; and again until a scan finds none). Elsewhere: SIGKILL to the
 * process group (taskkill /T /F on Windows).
 */
export function killRun(run: RunTrace): number {
  if (!CAN_SCAN) {
    if (run.leader !== null) killTree(run.leader, 'SIGKILL');
    return 0;
  }
  const seen = new Set<number>();
  const deadline = Date.now() + KILL_LIMIT_MS;
  for (;;) {
    const found = scanRun(run);
    if (found.length === 0) break;
    let fresh = false;
    for (const pid of found) {
      sendSignal(pid, 'SIGSTOP');
      if (!seen.has(pid)) {
        seen.add(pid);
        fresh = true;
      }
    }
    // A process found for the first time may have forked before it stopped: look again before killing.
    if (fresh && Date.now() < deadline) continue;
    for (const pid of found) sendSignal(pid, 'SIGKILL');
    if (Date.now() >= deadline) break;
    pause(2); // SIGKILL is delivered asynchronously; the dying show up as zombies (left out) or vanish
  }
  return seen.size;
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone already, or not ours */
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function pause(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
