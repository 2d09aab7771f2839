import type { FromWorker, ToWorker } from './worker/messages.js';

/**
 * One worker process as the pool sees it. The Node host backs it with child_process.fork, the desktop
 * app with Electron's utilityProcess; the engine knows only this.
 */
export interface WorkerHandle {
  readonly pid: number | null;
  send(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** Called once when the process has exited, however it ended. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Ends the process at once (SIGKILL or the host's equivalent). */
  kill(): void;
}

/** Starts worker process number `workerId` (1-based). */
export type SpawnWorker = (workerId: number) => WorkerHandle;
