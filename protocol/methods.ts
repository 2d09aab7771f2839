import type { Attempt, Job, JobState } from './job.js';
import type { ConfigDefinition, ConfigKey } from './config.js';

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
  cwd?: string | null;
}

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
  pid: number;
  version: string;
  home: string;
  started_at: string;
  uptime_ms: number;
  /** True while a graceful stop is in progress. */
  stopping: boolean;
  counts: Record<JobState, number>;
  workers: WorkerInfo[];
}

export interface ListParams {
  state?: JobState;
  /** Most recent first; 1..100000, default 50. */
  limit?: number;
}

export interface ListResult {
  /** Most recent first; fewer than asked when the answer would not fit in one message (MAX_FRAME_BYTES). */
  jobs: Job[];
  /** How many jobs match the filter in all. */
  total: number;
}

/** dlq.retry --all lists at most this many of the jobs it retried (the count is exact). */
export const MAX_LISTED_RETRIES = 100;

/** One setting with its value and its definition. */
export interface ConfigEntry extends ConfigDefinition {
  value: number;
}

export interface LogsParams {
  id: string;
  /** Byte offset to read from (default 0). */
  offset?: number;
  /** Read only the last n bytes of the log (overrides offset). */
  tail_bytes?: number;
  /** At most this many bytes (default and cap 1 MiB). */
  max_bytes?: number;
}

export interface LogsResult {
  id: string;
  data: string;
  /** Where this chunk started and where the next read should start. */
  offset: number;
  next_offset: number;
  /** Size of the log file now. */
  size: number;
}

export interface DlqRetryParams {
  id?: string;
  all?: boolean;
}

/** Every method: its params and its result. The client and the server are typed from this one map. */
export interface Methods {
  hello: { params: HelloParams; result: HelloResult };
  enqueue: { params: { job: JobSpec }; result: { job: Job } };
  /** Up to MAX_BATCH_JOBS jobs in one transaction: all are stored, or none (the error names the index). */
  'enqueue.batch': { params: { jobs: JobSpec[] }; result: { ids: string[] } };
  status: { params: Record<string, never>; result: StatusResult };
  list: { params: ListParams; result: ListResult };
  show: { params: { id: string }; result: { job: Job; attempts: Attempt[] } };
  logs: { params: LogsParams; result: LogsResult };
  cancel: { params: { id: string }; result: { job: Job } };
  /** count: how many went back to pending; jobs: the first MAX_LISTED_RETRIES of them. */
  'dlq.retry': { params: DlqRetryParams; result: { count: number; jobs: Job[] } };
  'config.list': { params: Record<string, never>; result: { entries: ConfigEntry[] } };
  'config.get': { params: { key: string }; result: { entry: ConfigEntry } };
  'config.set': { params: { key: string; value: string | number }; result: { entry: ConfigEntry } };
  'daemon.stop': { params: { timeout_ms?: number }; result: { stopping: true; pid: number } };
}

export type MethodName = keyof Methods;
export type ParamsOf<M extends MethodName> = Methods[M]['params'];
export type ResultOf<M extends MethodName> = Methods[M]['result'];

export const METHOD_NAMES: readonly MethodName[] = [
  'hello', 'enqueue', 'enqueue.batch', 'status', 'list', 'show', 'logs', 'cancel', 'dlq.retry',
  'config.list', 'config.get', 'config.set', 'daemon.stop',
];

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && (METHOD_NAMES as readonly string[]).includes(value);
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
} as const;

/** Most jobs one enqueue.batch may carry. */
export const MAX_BATCH_JOBS = 5000;

/** Allowed id characters. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export type { ConfigKey };
