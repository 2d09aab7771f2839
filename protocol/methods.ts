import { TERMINAL_STATES, type Attempt, type Job, type JobState, type TerminalState } from './job.js';
import type { ConfigKey, NumericConfigDefinition, StringConfigDefinition } from './config.js';
import type { SubscribeParams } from './events.js';
import type { LogBytes } from './log-chunk.js';
import type { Schedule, ScheduleAddParams, ScheduleEditParams } from './schedule.js';
import type { StatsParams, StatsResult } from './stats.js';

/** What a client asks to enqueue. Only `command` is required; the daemon fills in the rest from config. */
export interface JobSpec {
  /** Chosen id (letters, digits, `.`, `_`, `-`; up to 64). Omit to get a generated one. */
  id?: string;
  command: string;
  name?: string | null;
  max_retries?: number;
  priority?: number;
  /** Milliseconds; 0 or null means no timeout. Omit for the configured default. */
  timeout_ms?: number | null;
  /** The same in seconds (as other queues of the QueueCTL family write it); give one of the two. */
  timeout?: number | null;
  cwd?: string | null;
  /**
   * Not started before this time: ISO 8601 with a time zone (`Z` or `±hh:mm`). Omit or null to run as soon
   * as possible. Up to JOB_LIMITS.runAtPastMs in the past runs at once; earlier, or more than
   * JOB_LIMITS.runAtAheadMs ahead, is INVALID_ARGUMENT. (`enqueue --delay` sends now + the delay.)
   */
  run_at?: string | null;
  /** Named queue (QUEUE_NAME_PATTERN); omit for DEFAULT_QUEUE. A queue exists once a job or `queue.set` names it. */
  queue?: string;
  /**
   * Parents: ids (or unique prefixes) of stored jobs, or of jobs earlier in the same `enqueue.batch`, up to
   * JOB_LIMITS.maxParents. The job waits until every parent completed; a parent that ends dead or canceled
   * cancels it (last_error names the parent). Unknown parents and cycles are INVALID_ARGUMENT.
   */
  after?: string[];
  /**
   * The job's whole environment (protocol/job-env.ts): exactly these variables, plus the QUEUECTL_* ones the
   * daemon adds. Omit or null: the queue's own environment (the daemon's or the desktop app's, read when the
   * job starts). Within ENV_LIMITS; stored with the job, never changed afterwards.
   */
  env?: Record<string, string> | null;
  /** The job's umask, octal text such as "0022"; omit for DEFAULT_UMASK (022). */
  umask?: string;
  /** Announce the job's end (completed or dead) with a desktop notification (`enqueue --notify`); omit for false. */
  notify?: boolean;
  /**
   * `enqueue --keep-children`: processes the job leaves running when its shell exits are not killed (a
   * timeout, cancel or stop still kills them); omit for false.
   */
  keep_children?: boolean;
}

/** One job as `show` answers it: with its environment, which lists and events leave out (it can be 256 KiB). */
export interface JobDetail extends Job {
  /** The job's whole environment (before the QUEUECTL_* variables), or null: the queue's own environment. */
  env: Record<string, string> | null;
}

/**
 * What `enqueue.batch` takes: the jobs, and the environment and umask for those that leave theirs out (sent
 * once per batch rather than once per job; a job's own `env`, null included, wins).
 */
export interface EnqueueBatchParams {
  jobs: JobSpec[];
  /** For jobs without an `env` field; omit or null: the queue's own environment. */
  env?: Record<string, string> | null;
  /** For jobs without a `umask` field; omit for DEFAULT_UMASK. */
  umask?: string;
  /**
   * True: check these jobs and hold them on this connection, storing nothing yet (the answer's ids are empty).
   * The next call without it stores every held job and its own in one transaction, all or none: how a client
   * sends more than MAX_BATCH_JOBS at once. Held jobs count towards MAX_HELD_JOBS; errors index them all.
   */
  more?: boolean;
}

/** Most jobs one all-or-nothing enqueue may hold across `enqueue.batch` calls with `more`. */
export const MAX_HELD_JOBS = 250_000;

/** The queue a job runs in when none is named. */
export const DEFAULT_QUEUE = 'default';

/** Allowed queue names: 1-64 letters, digits, `.`, `_`, `-`, starting with a letter or digit. */
export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** One named queue as `queue.list` reports it. */
export interface QueueInfo {
  name: string;
  /** True while this queue is paused (`pause --queue`, or automatically by pause_on_dead). */
  paused: boolean;
  /** When it was paused (ISO), null while running. */
  paused_since: string | null;
  /** Why, when it was not paused by hand: e.g. "job 4kq2xv7m went dead" (pause_on_dead). Null otherwise. */
  paused_reason: string | null;
  /** Most of its jobs running at once; null: no limit but the worker count. */
  parallel: number | null;
  /** Pause this queue when one of its jobs goes dead. */
  pause_on_dead: boolean;
  /** Its jobs per state. */
  counts: Record<JobState, number>;
  /**
   * Jobs that could start now if a worker were free: pending or failed, due (run_at passed), every parent
   * completed. Counted also while the queue is paused or at its limit.
   */
  ready: number;
  /** The other pending and failed jobs: a run_at still to come (delayed, or a retry in backoff) or a parent not completed. */
  scheduled: number;
  /**
   * The run_at (ISO) of the longest-waiting ready job, null when none is ready: for a job that was never
   * delayed, when it was enqueued; for a retry, when it fell due. The queue's latency is now minus this.
   */
  oldest_ready_at: string | null;
  /** Its latency when answered: how long that job has waited (ms), 0 when none is ready. */
  latency_ms: number;
}

/** What `queue.set` changes; omitted fields stay as they are. Creates the queue when it does not exist. */
export interface QueueSetParams {
  name: string;
  /** 1..QUEUE_LIMITS.parallel, or null to lift the limit. */
  parallel?: number | null;
  pause_on_dead?: boolean;
}

export const QUEUE_LIMITS = {
  /** Highest `parallel` a queue may be given (the worker count caps it in practice). */
  parallel: 1000,
} as const;

/** First message on every connection. */
export interface HelloParams {
  token: string;
  protocol_version: number;
  /** Free-form client name for the daemon's log, e.g. "cli". */
  client?: string;
}

export interface HelloResult {
  protocol_version: number;
  version: string;
  pid: number;
}

/** One worker as `status` reports it. */
export interface WorkerInfo {
  id: number;
  pid: number | null;
  /** The job it runs, or null when idle. */
  job_id: string | null;
  command: string | null;
  /** When the current job started (ISO), or null. */
  since: string | null;
}

export interface StatusResult {
  /**
   * False when no daemon runs: a queuectl command read the store itself (docs/cli.md, "Without a daemon"),
   * and pid, started_at and uptime_ms are null.
   */
  daemon_running: boolean;
  pid: number | null;
  version: string;
  home: string;
  started_at: string | null;
  uptime_ms: number | null;
  /** True while a graceful stop is in progress. */
  stopping: boolean;
  /** True while the queue is paused: no job starts; running ones go on. Survives restarts. */
  paused: boolean;
  /** When it was paused (ISO), null while running. */
  paused_since: string | null;
  /** Every named queue (DEFAULT_QUEUE first, then by name), with its own pause state and limit. */
  queues: QueueInfo[];
  /** True when the host has a window (the desktop app); `ui.show` works only then. */
  has_window: boolean;
  counts: Record<JobState, number>;
  workers: WorkerInfo[];
  /** Which store holds the queue; display is safe to show (a PostgreSQL URL with its password masked). */
  store: StoreInfo;
}

/** The store a daemon runs on, as `status` shows it: `kind` and the database file or masked URL. */
export interface StoreInfo {
  kind: 'sqlite' | 'postgres';
  display: string;
  /**
   * False while the store's server cannot be reached (PostgreSQL restarting or gone; SQLite is always true):
   * the daemon keeps running and reconnects, and `status` answers without what it would read from the store
   * (`paused` false, `queues` empty, `counts` all 0: not read).
   */
  available: boolean;
  /** Since when it is unavailable (ISO), null while available. */
  unavailable_since: string | null;
  /** Why, in one line with any password masked; null while available. */
  last_error: string | null;
}

/** Orders `list` can sort by. */
export type ListSort =
  /** Enqueue order (the default, newest first). */
  | 'created'
  /** Last change of any kind. */
  | 'updated'
  | 'priority'
  | 'attempts'
  | 'state'
  | 'command'
  | 'queue'
  | 'name'
  /** When the last run started; jobs that never ran count as earliest. */
  | 'started'
  /** When the job finished; unfinished jobs count as earliest. */
  | 'finished'
  /** The last run's length (finished − started); jobs without both count as shortest. */
  | 'duration';

export const LIST_SORTS: readonly ListSort[] = ['created', 'updated', 'priority', 'attempts', 'state', 'command', 'queue', 'name', 'started', 'finished', 'duration'];

export interface ListParams {
  state?: JobState;
  /**
   * true: only jobs not due yet (run_at ahead: delayed jobs, retries waiting out their backoff); false: only
   * jobs already due. With `state` or without.
   */
  scheduled?: boolean;
  /** Only jobs of this named queue. */
  queue?: string;
  /** Case-insensitive substring of the command or the name. */
  search?: string;
  /** Only jobs created at or after this instant (ISO) and before `created_before`. */
  created_after?: string;
  created_before?: string;
  /** Only jobs finished at or after this instant (ISO) and before `finished_before` (unfinished jobs never match). */
  finished_after?: string;
  finished_before?: string;
  /** Default 'created'. Ties are broken by enqueue order. */
  sort?: ListSort;
  /** Default 'desc' (newest, highest, Z first). */
  order?: 'asc' | 'desc';
  /** Skip this many matching jobs (paging); default 0. */
  offset?: number;
  /** 1..100000, default 50. */
  limit?: number;
}

export interface ListResult {
  /** In the order asked for; fewer than asked when the answer would not fit in one message (MAX_FRAME_BYTES). */
  jobs: Job[];
  /** How many jobs match the filter (state and search) in all. */
  total: number;
}

/** dlq.retry --all lists at most this many of the jobs it retried (the count is exact). */
export const MAX_LISTED_RETRIES = 100;

/** One setting with its value and its definition: a number, or text for `type: 'string'` settings. */
export type ConfigEntry = (NumericConfigDefinition & { value: number }) | (StringConfigDefinition & { value: string });

export interface LogsParams {
  id: string;
  /** Byte offset (in the log file) to read from: default 0, or with `run` where that run's output begins. */
  offset?: number;
  /** Read only the last n bytes of the log, or of the run (overrides offset). */
  tail_bytes?: number;
  /** At most this many bytes (default and cap 1 MiB). */
  max_bytes?: number;
  /**
   * One run's output only: its number (`Attempt.number`, as `show` lists them) or "latest". Without it, the
   * whole log: every run in order, each after the first headed `── queuectl: run N · <start> ──`.
   */
  run?: number | 'latest';
}

export interface LogsResult {
  id: string;
  data: string;
  /** Where this chunk started and where the next read should start (offsets in the log file). */
  offset: number;
  next_offset: number;
  /** Size of the log file now; with `run`, where that run's section ends. */
  size: number;
  /** With `run`: the run read (absent when the job has not run yet). */
  run?: number;
  /** With `run`: where the run's output begins, after its header line. */
  start?: number;
}

/** What `jobs.bulk` does to each job it names: run it again, cancel it, or delete it (with its log). */
export type BulkAction = 'retry' | 'cancel' | 'remove';

export const BULK_ACTIONS: readonly BulkAction[] = ['retry', 'cancel', 'remove'];

/** Most jobs one `jobs.bulk` may change; a filter matching more is refused (narrow it). */
export const MAX_BULK_JOBS = 10_000;

/**
 * The jobs `jobs.bulk` acts on: `ids` (1..MAX_SELECTED_IDS, ids or unique prefixes), or every job matching
 * `state`, `queue`, `search`, `scheduled` and the date bounds (the meaning `list` gives them). `expect_count`: the number the user
 * confirmed; when the filter now matches another number nothing changes (INVALID_STATE, `data.count`).
 */
export interface JobsBulkParams {
  action: BulkAction;
  ids?: string[];
  state?: JobState;
  queue?: string;
  search?: string;
  scheduled?: boolean;
  created_after?: string;
  created_before?: string;
  finished_after?: string;
  finished_before?: string;
  expect_count?: number;
  /** `retry` only: also the jobs these had canceled by dying, as DlqRetryParams.with_dependents. */
  with_dependents?: boolean;
}

/** Exactly one of id, ids and all. */
export interface DlqRetryParams {
  id?: string;
  /** Several dead jobs (ids or unique prefixes), up to MAX_SELECTED_IDS; all are retried or none. */
  ids?: string[];
  all?: boolean;
  /**
   * Also bring back the jobs that were canceled because these parents died (transitively): they wait for
   * their parents again. Without it they stay canceled.
   */
  with_dependents?: boolean;
}

/** States `jobs.clean` deletes: the finished ones. Without `states` it cleans completed and canceled (dead only when named). */
export type CleanableState = TerminalState;
/** TERMINAL_STATES, typed as the states they are (job.ts checks that each one is a TerminalState). */
export const CLEANABLE_STATES = TERMINAL_STATES as readonly CleanableState[];

export interface JobsCleanParams {
  /** Which finished states; default completed and canceled (the DLQ only when 'dead' is named). */
  states?: CleanableState[];
  /** Only jobs that finished more than this many milliseconds ago (by finished_at). */
  older_than_ms?: number;
  /** Count what would be deleted; delete nothing. */
  dry_run?: boolean;
  /**
   * Judge ages and finished-ness as of this time (ISO, not in the future), usually the `as_of` a dry run
   * answered: jobs that finished after it are kept, so a confirmed clean deletes no more than was counted.
   */
  as_of?: string;
}

/** A job `enqueue.batch` stored already canceled: a parent was dead or canceled when it was enqueued. */
export interface CanceledAtEnqueue {
  id: string;
  /** Why, naming the parent: "canceled: parent <id> is dead" or "... was canceled" (the job's last_error). */
  error: string;
}

/** Most ids one call may name (retry selected, remove selected). */
export const MAX_SELECTED_IDS = 1000;

/** What `queue.pause` and `queue.resume` act on: one named queue, or (without `queue`) every queue at once. */
export interface QueuePauseParams {
  queue?: string;
  /**
   * `queue.resume` only, not with `queue`: lifts the switch over every queue and every named queue's own
   * pause, in one transaction (`queuectl resume --all`). The answer's `resumed` says what was paused.
   */
  all?: boolean;
}

/** What `queue.resume {all: true}` resumed. */
export interface ResumedAll {
  /** The switch over every queue was on. */
  all: boolean;
  /** The named queues that were paused on their own (`default` first, then by name). */
  queues: string[];
}

/** The pause state after a pause or resume: of the named queue, or of the whole dispatcher. */
export interface QueuePauseResult {
  /** The queue named in the call, or null for the switch that holds every queue. */
  queue: string | null;
  paused: boolean;
  /** When it was paused (ISO), null while running. */
  paused_since: string | null;
  /** False when it already was in that state (with `all`: when nothing was paused). */
  changed: boolean;
  /** Only in the answer to `queue.resume {all: true}`: what it resumed. */
  resumed?: ResumedAll;
}

/** Where the daemon serves the dashboard in a browser. */
export interface WebUiResult {
  /**
   * http://127.0.0.1:<port>/<prefix>/?token=<token>; open it in a browser. The token is needed once per
   * browser; the prefix (random, new each time the server starts) scopes the dashboard and its cookie.
   */
  url: string;
  port: number;
  /** False when the server was already running (same url as before). */
  started: boolean;
}

/** Every method: its params and its result. The client and the server are typed from this one map. */
export interface Methods {
  hello: { params: HelloParams; result: HelloResult };
  enqueue: { params: { job: JobSpec }; result: { job: Job } };
  /**
   * Up to MAX_BATCH_JOBS jobs in one transaction: all are stored, or none (the error names the index).
   * ids: in the order given; canceled: those stored already canceled because a parent was dead or canceled.
   */
  'enqueue.batch': { params: EnqueueBatchParams; result: { ids: string[]; canceled: CanceledAtEnqueue[] } };
  status: { params: Record<string, never>; result: StatusResult };
  list: { params: ListParams; result: ListResult };
  /** The job with its environment (JobDetail) and its runs. */
  show: { params: { id: string }; result: { job: JobDetail; attempts: Attempt[] } };
  /** data_base64: the chunk's exact bytes when they are not UTF-8 (protocol/log-chunk.ts). */
  logs: { params: LogsParams; result: LogsResult & LogBytes };
  cancel: { params: { id: string }; result: { job: Job } };
  /**
   * count: how many dead jobs went back to pending; jobs: the first MAX_LISTED_RETRIES of them; dependents: how
   * many jobs they had canceled came back with them (with_dependents; not in count or jobs).
   */
  'dlq.retry': { params: DlqRetryParams; result: { count: number; jobs: Job[]; dependents: number } };
  /** Deletes every dead job and its log; count: how many. */
  'dlq.purge': { params: Record<string, never>; result: { count: number } };
  /**
   * Runs a failed, dead, canceled or completed job again from scratch: pending now, attempts 0.
   * with_dependents: also the jobs canceled because it died (see DlqRetryParams); dependents: how many came back.
   * A job with a dead or canceled parent is refused (INVALID_STATE): retry that parent with_dependents instead.
   */
  'job.retry': { params: { id: string; with_dependents?: boolean }; result: { job: Job; dependents: number } };
  /** A delayed pending job (run_at ahead) becomes due now; another state, or already due, is INVALID_STATE. */
  'job.run_now': { params: { id: string }; result: { job: Job } };
  /** Deletes finished jobs (completed, dead, canceled) and their logs; all named or none (INVALID_STATE). */
  'job.remove': { params: { ids: string[] }; result: { removed: string[] } };
  /**
   * Retries, cancels or removes the named jobs or every job matching a filter, at most MAX_BULK_JOBS, in one
   * transaction: all or none (INVALID_STATE names the first job the action does not fit). ids: the first
   * MAX_LISTED_RETRIES of them; dependents: how many canceled jobs came back with them (with_dependents).
   */
  'jobs.bulk': { params: JobsBulkParams; result: { action: BulkAction; count: number; ids: string[]; dependents: number } };
  /** Deletes finished jobs in bulk (in batches), with their attempts and logs; count: how many (or would be, with dry_run). */
  'jobs.clean': { params: JobsCleanParams; result: { count: number; as_of: string } };
  /** Throughput over the last hour and the newest failures. */
  stats: { params: StatsParams; result: StatsResult };
  /** Chooses which QueueEvents this client receives (see protocol/events.ts). */
  'events.subscribe': { params: SubscribeParams; result: { jobs: boolean; log: string | null } };
  /** Stops starting jobs (running ones go on) until `queue.resume`; survives restarts. Idempotent. */
  'queue.pause': { params: QueuePauseParams; result: QueuePauseResult };
  /** Starts jobs again after `queue.pause` (with `all`: every switch at once). Idempotent. */
  'queue.resume': { params: QueuePauseParams; result: QueuePauseResult };
  /** Every named queue with its settings and counts. */
  'queue.list': { params: Record<string, never>; result: { queues: QueueInfo[] } };
  /** Changes (or creates) a named queue's settings; applied at once. */
  'queue.set': { params: QueueSetParams; result: { queue: QueueInfo; created: boolean } };
  /** Adds a recurring job; an identical schedule (same cron, zone and job) is not added twice: created is false. */
  'schedule.add': { params: ScheduleAddParams; result: { schedule: Schedule; created: boolean } };
  'schedule.list': { params: Record<string, never>; result: { schedules: Schedule[] } };
  /** Deletes a schedule (id or unique prefix); jobs it already enqueued are left alone. */
  'schedule.remove': { params: { id: string }; result: { schedule: Schedule } };
  /** Stops a schedule firing until `schedule.resume`; changed is false when it was paused already. */
  'schedule.pause': { params: { id: string }; result: { schedule: Schedule; changed: boolean } };
  /** Fires again from the first slot after now (slots passed while paused are not fired); changed is false when it ran. */
  'schedule.resume': { params: { id: string }; result: { schedule: Schedule; changed: boolean } };
  /** Changes a schedule, checked as `schedule.add` checks it; changed is false when nothing differed. */
  'schedule.edit': { params: ScheduleEditParams; result: { schedule: Schedule; changed: boolean } };
  /** Enqueues one job from the schedule now, outside its slots (also while paused); its next run stays. */
  'schedule.run_now': { params: { id: string }; result: { schedule: Schedule; job: Job } };
  /** Shows the desktop app's dashboard window (at a hash route such as "#/dlq"); INVALID_STATE on a headless daemon. */
  'ui.show': { params: { route?: string | null }; result: { shown: true } };
  /** Starts (once) the dashboard's web server on 127.0.0.1 and tells where it is. */
  'ui.web': { params: Record<string, never>; result: WebUiResult };
  'config.list': { params: Record<string, never>; result: { entries: ConfigEntry[] } };
  'config.get': { params: { key: string }; result: { entry: ConfigEntry } };
  'config.set': { params: { key: string; value: string | number }; result: { entry: ConfigEntry } };
  /** `job_id`: the running job that asks (QUEUECTL_JOB_ID); the stop does not wait for it (docs/jobs.md, "Process lifetime"). */
  'daemon.stop': { params: { timeout_ms?: number; job_id?: string }; result: { stopping: true; pid: number } };
}

export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = Methods[M]['params'];
export type ResultOf<M extends MethodName> = Methods[M]['result'];

/**
 * One entry per method of `Methods`: the compiler refuses a missing or an unknown name, so METHOD_NAMES and
 * isMethodName can never disagree with the map.
 */
const METHOD_PRESENT: { readonly [M in MethodName]: true } = {
  hello: true, enqueue: true, 'enqueue.batch': true, status: true, list: true, show: true, logs: true, cancel: true,
  'dlq.retry': true, 'dlq.purge': true, 'job.retry': true, 'job.remove': true, 'job.run_now': true, 'jobs.bulk': true, 'jobs.clean': true, stats: true,
  'events.subscribe': true, 'queue.pause': true, 'queue.resume': true, 'queue.list': true, 'queue.set': true,
  'schedule.add': true, 'schedule.list': true, 'schedule.remove': true, 'schedule.pause': true, 'schedule.resume': true,
  'schedule.edit': true, 'schedule.run_now': true, 'ui.show': true, 'ui.web': true,
  'config.list': true, 'config.get': true, 'config.set': true, 'daemon.stop': true,
};

export const METHOD_NAMES = Object.keys(METHOD_PRESENT) as readonly MethodName[];

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.hasOwn(METHOD_PRESENT, value);
}

/** Limits the daemon enforces on a JobSpec, shared so clients can check early. */
export const JOB_LIMITS = {
  /** Longest command in bytes (Linux refuses a single argument over 128 KiB). */
  commandBytes: 64 * 1024,
  nameLength: 200,
  idLength: 64,
  maxRetries: 1000,
  priority: 1_000_000,
  /** 24 days: the longest a Node timer can wait (2^31 - 1 ms). */
  timeoutMs: 24 * 24 * 3_600_000,
  /** Furthest ahead a job may be scheduled (run_at, `enqueue --delay/--run-at`): 365 days. */
  runAtAheadMs: 365 * 86_400_000,
  /** How far in the past a run_at may be (a time written a moment ago) and still be taken as "now". */
  runAtPastMs: 60_000,
  /** Most parents (`after`) one job may have. */
  maxParents: 100,
} as const;

/** Most jobs one enqueue.batch may carry. */
export const MAX_BATCH_JOBS = 5000;

/** Allowed id characters. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export type { ConfigKey };
