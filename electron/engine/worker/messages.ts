/** Messages between the engine and a worker process (over the fork IPC channel or Electron's parentPort). */

/** Everything a worker needs to run one job. */
export interface RunRequest {
  type: 'run';
  jobId: string;
  attempt: number;
  command: string;
  cwd: string | null;
  /** Kill the process tree after this many ms; null means no limit. */
  timeoutMs: number | null;
  logPath: string;
  logMaxBytes: number;
  /** The job's whole environment, or null for the queue's own: this worker's, inherited from its host. */
  env: Record<string, string> | null;
  /** The QUEUECTL_* variables the engine adds; they win over `env`. */
  queuectlEnv: Record<string, string>;
  /** The umask the command starts with (ignored on Windows). */
  umask: number;
}

export type ToWorker =
  | RunRequest
  /** Kill the running job's process tree (cancel, or a stop that ran out of time). */
  | { type: 'kill'; jobId: string; reason: 'canceled' | 'requeued' }
  /** Exit once idle. */
  | { type: 'shutdown' };

/** How a run ended, as seen by the worker. */
export interface RunFinished {
  type: 'finished';
  jobId: string;
  attempt: number;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Killed on request ('canceled' or 'requeued'), or null. */
  killedFor: 'canceled' | 'requeued' | null;
  /** Why it could not start or failed, in words (null on success). */
  error: string | null;
}

export type FromWorker =
  /** Ready for a job (sent once after start). */
  | { type: 'ready' }
  /** The command runs; pid is its process group leader, identity names it for all time (or null). */
  | { type: 'started'; jobId: string; attempt: number; pid: number; identity: string | null }
  | RunFinished;
