/**
 * The worker's last word on its job: whenever the worker process ends while a job runs, every process of the
 * run (its group, session and marked processes: `RunningCommand.destroy`) is killed first, synchronously, so
 * no job keeps running unsupervised after its worker.
 * - 'exit' covers every exit JavaScript sees: process.exit (the engine gone: worker/entry.ts's parent check),
 *   an uncaught exception, the end of the event loop.
 * - SIGTERM (utilityProcess.kill(), `kill <pid>`, a session ending) would otherwise end the worker at once,
 *   without 'exit', leaving the job's processes behind (they run detached, in a group of their own): here it
 *   kills them and exits with 143.
 * What no handler sees: SIGKILL, and Chromium ending a utility process natively when its browser process is
 * gone (no JavaScript runs then). For those the engine's next start kills the recorded group
 * (store/transitions/record-pgid.ts, checked against worker/process-identity.ts).
 */
export function guardJobGroup<T>(running: () => T | null, deps: GuardDeps<T>): void {
  const killJob = (): void => {
    const job = running();
    if (job !== null) deps.kill(job);
  };
  deps.on('exit', killJob);
  deps.on('SIGTERM', () => {
    killJob();
    deps.exit(143);
  });
}

/** The process and the kill, injectable for tests. */
export interface GuardDeps<T> {
  on(event: 'exit' | 'SIGTERM', listener: () => void): void;
  exit(code: number): void;
  kill(job: T): void;
}

/** This process's events, with `kill` for the running job (the worker kills every process of its run). */
export function processGuard<T>(kill: (job: T) => void): GuardDeps<T> {
  return {
    on: (event, listener) => void process.on(event, listener),
    exit: (code) => process.exit(code),
    kill,
  };
}
