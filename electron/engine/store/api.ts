import type { BulkAction, JobState, QueueInfo, ResumedAll } from '../../../protocol/index.js';
import type { ListFilter, Matching } from './list-query.js';
import type { AttemptRow, JobRow } from './rows.js';
import type { ScheduleRow } from './schedule-rows.js';
import type { BucketCounts, MinuteSpan } from './run-minutes.js';
import type { FailureRow } from './stats-queries.js';
import type { Claimed, RunBeginning } from './transitions/claim.js';
import type { CleanFilter } from './transitions/clean.js';
import type { NewJob, StoredEnv } from './transitions/enqueue.js';
import type { RunResult } from './transitions/finish.js';
import type { PauseState } from './transitions/pause.js';
import type { PausedOnDead, QueueSettings } from './transitions/queue-pause.js';
import type { Recovered } from './transitions/recover.js';
import type { ScheduleEdit } from './transitions/schedule-controls.js';
import type { AddedSchedule, Firing, FiringResult, NewSchedule } from './transitions/schedules.js';

/*
 * The store the engine needs, as one asynchronous interface with two adapters: `sqlite` (today's
 * store/index.ts behind it, next session) and `postgres` (store/postgres/). Rows are the SQLite rows the engine
 * already reads (JobRow, AttemptRow, QueueRow, ScheduleRow: times in epoch ms, flags 0/1), so `toJob` and the
 * handlers do not change. Every method is one transaction of its own: where a handler today wraps several
 * store calls in `db.transaction` (cancel + dependents, retry + restore, the scheduler's step, bulk actions),
 * the interface has one method for the whole move, because a transaction cannot be held open across awaits
 * on SQLite without letting other requests' calls fall into it. Errors are the same QueueErrors as today.
 */

/** Time in epoch ms and the retry-delay formula (backoff.ts), passed in so the store never reads settings. */
export type RetryDelay = (attempt: number) => number;

/** Reads of jobs and their runs: handlers (`show`, `list`, `status`), the hub, the CLI's daemonless commands. */
export interface JobReads {
  getJob(id: string): Promise<JobRow | null>;
  /** An exact id wins; otherwise a unique prefix. JOB_NOT_FOUND or AMBIGUOUS_ID otherwise. */
  resolveId(idOrPrefix: string): Promise<string>;
  /** A job's runs, oldest first. */
  attempts(id: string): Promise<AttemptRow[]>;
  /** A stored environment (a job's or a schedule's env_id); null for null. */
  environment(envId: number | null): Promise<StoredEnv | null>;
  /** Jobs per state, from the counters (never a scan). */
  counts(): Promise<Record<JobState, number>>;
  /** Earliest run_at after `now` among waiting jobs, or null: the scheduler's timer. */
  nextRunAt(now: number): Promise<number | null>;
  listJobs(filter: ListFilter): Promise<JobRow[]>;
  matchingIds(filter: Matching, limit: number): Promise<string[]>;
  countMatching(filter: Matching): Promise<number>;
}

/** One job's run again, with what it did to its children (job.retry). */
export interface RetriedJob {
  row: JobRow;
  /** Its children not started yet, counting it again. */
  held: JobRow[];
  /** with_dependents: the jobs its end had canceled, back to pending. */
  restored: JobRow[];
  /** Still canceled, now blamed on another parent. */
  reblamed: JobRow[];
}

/** Which dead jobs `dlq.retry` brings back. */
export type DeadSelection = { id: string } | { ids: readonly string[] } | { all: true };

/** What a `dlq.retry` did. */
export interface RetriedDead {
  rows: JobRow[];
  dependents: JobRow[];
  reblamed: JobRow[];
}

/** A `jobs.bulk` call, checked by its handler. */
export interface BulkRequest {
  action: BulkAction;
  /** The named jobs, or null: those matching `filter` (at most `max`, else INVALID_ARGUMENT). */
  ids: readonly string[] | null;
  filter: Matching | null;
  max: number;
  /** The count the user confirmed: another count is INVALID_STATE, nothing changed. */
  expected?: number;
  /** Jobs whose run the pool is still stopping: refused for retry and remove. */
  stopping: ReadonlySet<string>;
  withDependents: boolean;
  now: number;
}

/** What a `jobs.bulk` did. */
export interface BulkDone {
  ids: string[];
  changed: JobRow[];
  dependents: number;
  reblamed: boolean;
}

/** The user's moves of jobs (the RPC handlers); each all or none, as the handler's transaction is today. */
export interface JobWrites {
  enqueue(job: NewJob, now: number): Promise<JobRow>;
  /** One transaction, one multi-row insert where the adapter can; answers the ids in order. */
  enqueueMany(jobs: readonly NewJob[], now: number): Promise<string[]>;
  /** pending|failed|processing → canceled, with the dependents it cancels; null when not in those states. */
  cancel(id: string, now: number): Promise<{ row: JobRow; dependents: JobRow[] } | null>;
  /** job.retry; null when the job is in no retryable state. */
  retryJob(id: string, now: number, withDependents: boolean): Promise<RetriedJob | null>;
  /** dlq.retry: dead → pending (INVALID_STATE / JOB_NOT_FOUND as retry-dead.ts throws them). */
  retryDead(selection: DeadSelection, now: number, withDependents: boolean): Promise<RetriedDead>;
  runNow(id: string, now: number): Promise<JobRow | null>;
  /** Deletes named finished jobs, all or none; answers their ids (the caller deletes the logs). */
  remove(ids: readonly string[]): Promise<string[]>;
  purgeDead(): Promise<string[]>;
  bulk(request: BulkRequest): Promise<BulkDone>;
}

/** A finished run waiting to be written by the scheduler's next step. */
export interface PendingResult {
  jobId: string;
  attempt: number;
  result: RunResult;
}

/** One scheduling step: results and process groups written, then claims for idle workers; one commit. */
export interface SchedulerStep {
  now: number;
  groups: ReadonlyArray<{ jobId: string; attempt: number; pgid: number; identity: string | null }>;
  results: readonly PendingResult[];
  retryDelay: RetryDelay;
  /** Idle workers to claim for, in order; empty when halted or paused. */
  idleWorkers: readonly number[];
  /** Job ids the pool's workers still run (claim.ts). */
  held: readonly string[];
  begin: (jobId: string) => RunBeginning;
}

/** What a step did, for the scheduler to announce and launch after the commit. */
export interface StepDone {
  changed: JobRow[];
  claims: Array<{ workerId: number; claimed: Claimed }>;
  pausedQueues: PausedOnDead[];
  /**
   * When the next waiting job falls due (null: none waits), if the store read it with the step because a
   * worker was left idle (a round trip saved on a server); absent, the scheduler asks nextRunAt.
   */
  nextRunAt?: number | null;
}

/**
 * Runs: the scheduler's claims and results, start-up recovery, the finish hook. `step` is the hot path: one
 * transaction without fsync on SQLite (relaxed.ts); `claim` and `finish` alone serve tests and tools.
 */
export interface RunStore {
  step(step: SchedulerStep): Promise<StepDone>;
  claim(workerId: number, now: number, held?: readonly string[], begin?: (jobId: string) => RunBeginning): Promise<Claimed | null>;
  finish(id: string, attempt: number, result: RunResult, now: number, retryDelay: RetryDelay): Promise<JobRow | null>;
  recover(now: number, retryDelay: RetryDelay): Promise<Recovered>;
  /** The newest finished run's number (finish-hook.ts). */
  lastFinishedAttempt(jobId: string): Promise<number | null>;
}

/** Named queues and the pause switches (pause.ts, queue handlers, claims). */
export interface QueueStore {
  /** Every queue with its counts; ready and latency as of `now` (default: now). */
  queueInfos(now?: number): Promise<QueueInfo[]>;
  queueInfo(name: string, now?: number): Promise<QueueInfo | null>;
  pauseState(): Promise<PauseState>;
  setPaused(paused: boolean, now: number): Promise<PauseState>;
  resumeEverything(): Promise<ResumedAll>;
  setQueuePaused(name: string, paused: boolean, now: number): Promise<{ changed: boolean } | null>;
  configureQueue(name: string, settings: QueueSettings): Promise<{ created: boolean; changed: boolean }>;
  pauseQueuesOnDead(rows: readonly JobRow[], now: number): Promise<PausedOnDead[]>;
  notePausedOnDead(queue: string, jobId: string): Promise<void>;
}

/** Schedules (cron/loop.ts and the schedule handlers); a firing is one guarded transaction. */
export interface ScheduleStore {
  addSchedule(schedule: NewSchedule, now: number): Promise<AddedSchedule>;
  removeSchedule(id: string): Promise<ScheduleRow | null>;
  realignSchedule(move: { id: string; expected: number; next: number }): Promise<boolean>;
  fireSchedule(firing: Firing, now: number): Promise<FiringResult>;
  pauseSchedule(id: string, now: number): Promise<ScheduleRow | null>;
  resumeSchedule(id: string, next: number): Promise<ScheduleRow | null>;
  editSchedule(change: ScheduleEdit): Promise<{ row: ScheduleRow; queueCreated: boolean }>;
  runScheduleNow(id: string, job: NewJob, now: number): Promise<JobRow>;
  listSchedules(): Promise<ScheduleRow[]>;
  schedulesByNext(): Promise<ScheduleRow[]>;
  getSchedule(id: string): Promise<ScheduleRow | null>;
  resolveScheduleId(idOrPrefix: string): Promise<string>;
}

/** The stored settings (config/settings.ts keeps them in memory; the store only reads them once and writes). */
export interface ConfigStore {
  /** Every stored key with its JSON value, as stored (unknown keys too: Settings logs and ignores them). */
  configEntries(): Promise<Array<{ key: string; value: string }>>;
  setConfig(key: string, json: string): Promise<void>;
}

/** The dashboard's `stats`: throughput from the run_minutes counters (run-minutes.ts), recent failures. */
export interface StatsStore {
  runsPerBucket(span: MinuteSpan, queue: string | null): Promise<BucketCounts[]>;
  /** Retention's trim of the throughput counters; answers how many rows went. */
  pruneRunMinutes(before: number): Promise<number>;
  recentFailures(limit: number): Promise<FailureRow[]>;
}

/** `jobs.clean` and retention, one bounded batch per call (clean.ts loops). */
export interface CleanStore {
  lastSeq(): Promise<number>;
  cleanBatch(filter: CleanFilter, keep: readonly string[], limit?: number): Promise<string[]>;
  countClean(filter: CleanFilter, keep: readonly string[]): Promise<number>;
  finishedCount(): Promise<number>;
  trimFinished(max: number, keep: readonly string[], limit?: number): Promise<string[]>;
}

/** The store itself: which one, how it is shown, wake-ups from other connections, closing. */
export interface StoreLifecycle {
  readonly kind: 'sqlite' | 'postgres';
  /** For `status` and logs: the file path, or the URL with its password masked. */
  readonly display: string;
  /**
   * Calls `listener` when another connection made jobs due (PostgreSQL's LISTEN/NOTIFY; SQLite has one process
   * and never calls it). Answers the function that stops listening.
   */
  onJobsChanged(listener: () => void): Promise<() => Promise<void>>;
  /**
   * Whether the store answers now, for `status` and the daemon log: a server store can be unreachable for a
   * while (the adapter reconnects with backoff); SQLite is a local file and always answers `{ available: true }`.
   */
  health(): StoreHealth;
  close(): Promise<void>;
}

/** The store's reachability as last seen (StoreLifecycle.health). */
export interface StoreHealth {
  available: boolean;
  /** Epoch ms since when it has been unreachable; null while available. */
  unavailableSince: number | null;
  /** The last connection error's one-line text (never with a password); null while available. */
  lastError: string | null;
}

/** Everything the engine asks of its store. */
export type StoreApi = JobReads & JobWrites & RunStore & QueueStore & ScheduleStore & ConfigStore & StatsStore & CleanStore & StoreLifecycle;
