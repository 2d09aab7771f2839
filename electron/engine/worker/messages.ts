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
  /** The run's cap: its section of the log may hold this many bytes. */
  logMaxBytes: number;
  /** Where the run's section of the log begins: the log's size when the run was claimed (logs/run-sections.ts); absent: 0. */
  logStart?: number;
  /** The job's whole environment, or null for the queue's own: this worker's, inherited from its host. */
  env: Record<string, string> | null;
  /** The QUEUECTL_* variables the engine adds; they win over `env`. */
  queuectlEnv: Record<string, string>;
  /** The umask the command starts with (ignored on Windows). */
  umask: number;
  /** `--keep-children` (absent: false): processes left when the shell exits by itself are not killed (docs/jobs.md, "Process lifetime"). */
  keepChildren?: boolean;
}

/**
 * Why the engine kills a run: canceled by the user; requeued by a graceful stop that ran out of time; or
 * the run asked its own daemon to stop (`queuectl worker stop` inside the job) and is killed as that stop ends.
 */
export type KillReason = 'canceled' | 'requeued' | 'stopped_own_daemon';

/** Why a job that ran `queuectl worker stop` against its own daemon failed. */
export const STOPPED_OWN_DAEMON = 'the job stopped its own daemon (queuectl worker stop); its run was killed when the stop ended, and counts as a failed attempt';

export type ToWorker =
  | RunRequest
  /** Kill the running job's process tree (cancel, or a stop that ran out of time). */
  | { type: 'kill'; jobId: string; reason: KillReason }
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
  /** Killed on request, or null. */
  killedFor: KillReason | null;
  /** Why it could not start or failed, in words (null on success). */
  error: string | null;
  /**
   * A run that did not complete: the last line of its output (logs/last-line.ts), added by worker/entry.ts
   * once the log is final; null or absent otherwise.
   */
  lastLine?: string | null;
}

export type FromWorker =
  /** Ready for a job (sent once after start). */
  | { type: 'ready' }
  /** The command runs; pid is its process group leader, identity names it for all time (or null). */
  | { type: 'started'; jobId: string; attempt: number; pid: number; identity: string | null }
  | RunFinished;
