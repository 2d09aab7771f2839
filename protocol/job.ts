/**
 * The life of a job:
 *
 *   pending ──claim──▶ processing ──exit 0──▶ completed
 *      ▲                  │ fails, retries left      │ fails, none left
 *      │                  ▼                          ▼
 *      └──── run_at ─── failed                      dead ──dlq retry──▶ pending
 *
 * Any waiting or running job can be canceled; completed, dead and canceled are terminal.
 */
export type JobState =
  /** Waiting to run, possibly not before a future run_at. */
  | 'pending'
  /** Claimed by a worker; its command is running. */
  | 'processing'
  /** The last run exited with code 0. Terminal. */
  | 'completed'
  /** The last run failed and a retry is scheduled at run_at (backoff). */
  | 'failed'
  /** Retries are exhausted: the job is in the dead-letter queue. Terminal until `dlq retry`. */
  | 'dead'
  /** Stopped by the user. Terminal. */
  | 'canceled';

/** Every state, in the order status prints them. */
export const JOB_STATES: readonly JobState[] = ['pending', 'processing', 'completed', 'failed', 'dead', 'canceled'];

/** A finished state: completed, dead or canceled. */
export type TerminalState = Extract<JobState, 'completed' | 'dead' | 'canceled'>;

/**
 * States a job stays in until someone acts on it: its runs are over (`wait` ends, logs are complete), and
 * it may be removed or cleaned. The one list of them; everything else that means "finished" derives from it.
 */
export const TERMINAL_STATES: readonly JobState[] = ['completed', 'dead', 'canceled'] satisfies readonly TerminalState[];

export function isTerminal(state: JobState): state is TerminalState {
  return TERMINAL_STATES.includes(state);
}

export function isJobState(value: unknown): value is JobState {
  return typeof value === 'string' && (JOB_STATES as readonly string[]).includes(value);
}

/** A job as it travels on the wire and as `--json` prints it. Timestamps are ISO 8601 strings in UTC. */
export interface Job {
  /** Unique id: generated (8 lowercase letters and digits) or chosen by the user in a JSON spec. */
  id: string;
  /** Optional human label. */
  name: string | null;
  /** The shell command, run as `sh -c <command>`. */
  command: string;
  state: JobState;
  /** Failed runs so far. A job that succeeds first time completes with attempts 0. */
  attempts: number;
  /** Retries allowed after the first run: at most max_retries + 1 runs. */
  max_retries: number;
  /** Higher runs sooner; ties go to the oldest job. */
  priority: number;
  /** Kill the run (its whole process tree) after this many ms; null means no limit. */
  timeout_ms: number | null;
  /** Working directory of the command. */
  cwd: string | null;
  /** Not started before this time. For a failed job: when the retry is due. */
  run_at: string;
  created_at: string;
  updated_at: string;
  /** Start of the latest run. */
  started_at: string | null;
  /** End of the latest run. */
  finished_at: string | null;
  /** Exit code of the latest run (null if it was killed by a signal or never ran). */
  exit_code: number | null;
  /** Why the latest run failed, in words. */
  last_error: string | null;
  /** Worker running the job while it is processing. */
  worker_id: number | null;
  /** Path of the job's output log (stdout and stderr, size-capped). */
  log_path: string;
  /** The named queue it runs in (DEFAULT_QUEUE unless enqueued with `--queue`). */
  queue: string;
  /** Parents (`enqueue --after`): the job starts only once every one of them completed. Empty when none. */
  depends_on: string[];
  /** How many of depends_on have not completed yet; the job cannot start while this is above 0. */
  waiting_on: number;
  /** The recurring schedule that enqueued it, or null. */
  schedule_id: string | null;
  /** The umask its runs start with, as `umask` prints it ("0022"); fixed at enqueue. */
  umask: string;
  /** Enqueued with `--notify`: the desktop app announces its end (completed or dead). */
  notify: boolean;
  /** Enqueued with `--keep-children`: processes it leaves when its shell exits are not killed (docs/jobs.md, "Process lifetime"). */
  keep_children: boolean;
  /**
   * The summary of the latest finished run when it did not complete: its last non-empty line of output
   * (trimmed, at most 200 characters, queuectl's own notes skipped), e.g. the error a failing command
   * printed; null when that run completed, printed nothing or binary output, or ended with its worker or
   * daemon (interrupted).
   */
  last_line: string | null;
}

/** How one run of a job ended. */
export type AttemptOutcome =
  /** Still running. */
  | 'running'
  /** Exit code 0. */
  | 'completed'
  /** Non-zero exit, killed by a signal, or could not start. */
  | 'failed'
  /** Killed because it exceeded its timeout. */
  | 'timed_out'
  /** Killed because the user canceled the job. */
  | 'canceled'
  /** The worker process died during the run. */
  | 'crashed'
  /** The daemon died during the run; found at the next start-up. */
  | 'interrupted'
  /** Killed by a graceful stop that ran out of time; the job went back to pending without spending an attempt. */
  | 'requeued';

/** One run of a job. */
export interface Attempt {
  /** 1 for the first run of the job, counting every run. */
  number: number;
  worker_id: number | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  outcome: AttemptOutcome;
  exit_code: number | null;
  signal: string | null;
  error: string | null;
  /** A run that did not complete: its last line of output, as `Job.last_line`; null otherwise. */
  last_line: string | null;
}
