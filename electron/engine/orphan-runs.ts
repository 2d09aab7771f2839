import { readFileSync } from 'node:fs';
import type { OrphanRun } from './store/transitions/recover.js';
import { killRun } from './worker/contain.js';
import { killTree } from './worker/kill-tree.js';
import { CAN_SCAN } from './worker/proc-scan.js';
import { processIdentity } from './worker/process-identity.js';

/**
 * Start-up, after a crash of the daemon and its workers: kills what the interrupted runs left running. A
 * run's process group only while its leader is the very process recorded (a reused pid, or any pid after a
 * reboot, is left alone); on Linux also every process carrying the run's QUEUECTL_RUN marker, wherever it
 * went (its own session, a double fork): the marker is 128 random bits, so only that run's processes have it.
 * Elsewhere only the group is reachable (docs/jobs.md, "Process lifetime").
 */
export function killOrphanRuns(runs: readonly OrphanRun[], log: (message: string) => void): void {
  for (const run of runs) {
    const leaderAlive = run.pgid !== null && run.identity !== null && processIdentity(run.pgid) === run.identity;
    const leader = leaderAlive ? run.pgid : null;
    const what = `run ${run.attempt} of job ${run.jobId}`;
    if (!CAN_SCAN || run.marker === null) {
      if (leader !== null && killTree(leader, 'SIGKILL')) log(`killed process group ${leader} left by the interrupted ${what}`);
      continue;
    }
    const since = ticksThisBoot(run.identity);
    // Recorded in an earlier boot: every process of the run died with it.
    if (since === 'other boot') continue;
    const killed = killRun({ leader, marker: run.marker, since });
    if (killed > 0) log(`killed ${killed} process(es) left by the interrupted ${what}${leader !== null ? ` (process group ${leader} and its marked processes)` : ' (found by its QUEUECTL_RUN marker)'}`);
  }
}

let bootId: string | null | undefined;

/**
 * The start time in a leader's identity ("boot id:ticks") when it is from this boot: no process of the run
 * started before it, so older processes need not be read. Null when unknown (the group was never recorded).
 */
function ticksThisBoot(identity: string | null): number | null | 'other boot' {
  if (identity === null) return null;
  const colon = identity.lastIndexOf(':');
  try {
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    bootId = null;
  }
  if (bootId !== null && identity.slice(0, colon) !== bootId) return 'other boot';
  const ticks = Number(identity.slice(colon + 1));
  return Number.isFinite(ticks) ? ticks : null;
}
