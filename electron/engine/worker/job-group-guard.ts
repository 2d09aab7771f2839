import { killTree } from './kill-tree.js';

/**
 * The worker's last word on its job: whenever the worker process ends while a job runs, the job's whole
 * process group gets SIGKILL first, synchronously, so no job keeps running unsupervised after its worker.
 * - 'exit' covers every exit JavaScript sees: process.exit (the engine gone: worker/entry.ts's parent check),
 *   an uncaught exception, the end of the event loop.
 * - SIGTERM (utilityProcess.kill(), `kill <pid>`, a session ending) would otherwise end the worker at once,
 *   without 'exit', leaving the job's group behind (it runs detached, in a group of its own): here it kills
 *   the group and exits with 143.
 * What no handler sees: SIGKILL, and Chromium ending a utility process natively when its browser process is
 * gone (no JavaScript runs then). For those the engine's next start kills the recorded group
 * (store/transitions/record-pgid.ts, checked against worker/process-identity.ts).
 */
export function guardJobGroup(runningPid: () => number | null, deps: GuardDeps = PROCESS): void {
  const killJob = (): void => {
    const pid = runningPid();
    if (pid !== null) deps.kill(pid);
  };
  deps.on('exit', killJob);
  deps.on('SIGTERM', () => {
    killJob();
    deps.exit(143);
  });
}

/** The process and the kill, injectable for tests. */
export interface GuardDeps {
  on(event: 'exit' | 'SIGTERM', listener: () => void): void;
  exit(code: number): void;
  kill(pid: number): void;
}

const PROCESS: GuardDeps = {
  on: (event, listener) => void process.on(event, listener),
  exit: (code) => process.exit(code),
  kill: (pid) => void killTree(pid, 'SIGKILL'),
};
