import type { QueuePauseResult, SubscribeParams, WebUiResult } from '../../protocol/index.js';
import type { HomePaths } from '../../protocol/node/paths.js';
import type { Settings } from './config/settings.js';
import type { JobLogs } from './logs/job-logs.js';
import type { Pool } from './pool.js';
import type { Session } from './rpc/session.js';
import type { StoreApi } from './store/api.js';
import type { JobRow } from './store/rows.js';

/** Who receives which events (implemented by events/hub.ts). */
export interface EventHub {
  /** Replaces what `session` receives; answers what it now receives (the log as a resolved job id). */
  subscribe(session: Session, params: SubscribeParams): { jobs: boolean; log: string | null };
  /** Forgets a session whose client went away. */
  drop(session: Session): void;
}

/** The workers as handlers see them: what runs, and killing a run (pool.ts; none in a daemonless CLI, in-process.ts). */
export type Runs = Pick<Pool, 'running' | 'info' | 'kill' | 'untilGone' | 'markStopRequester'>;

/** The dashboard's web server (implemented by web/). */
export interface WebUi {
  /** Starts the server once; later calls answer the same address. */
  start(): Promise<WebUiResult>;
}

/** What the host process offers beyond the queue: the desktop app has a window, the headless daemon none. */
export interface HostHooks {
  /** Shows (creating if needed) and focuses the dashboard window, at a hash route such as "#/dlq" or where it was. */
  showDashboard(route: string | null): void;
}

/** What RPC handlers may use: the engine's parts, and the few actions that span them. */
export interface EngineContext {
  paths: HomePaths;
  /** The store, whichever adapter runs (store/api.ts); every call is awaited. */
  store: StoreApi;
  settings: Settings;
  pool: Runs;
  /**
   * False in a queuectl command's own process (in-process.ts): no worker runs there, so a processing job's
   * run belongs to a daemon that is gone, and only the next daemon's start-up recovery can end it.
   */
  runsJobs: boolean;
  hub: EventHub;
  /** The jobs' log files: deleting those of removed jobs, how far a run's section is settled. */
  jobLogs: JobLogs;
  web: WebUi;
  /** The host's window, or null for the headless daemon. */
  host: HostHooks | null;
  startedAt: number;
  /** The daemon's log, for what a handler must not hide but cannot answer (e.g. a log file it could not delete). */
  log(message: string): void;
  /** True once a graceful stop began. */
  stopping(): boolean;
  /**
   * True once the stop closes the servers (after running jobs finished): from then on `dispatch` refuses
   * every call, from any transport, with SHUTTING_DOWN.
   */
  closing(): boolean;
  /**
   * Announces a job's new state (the host's 'job' event, subscribers, on_finish), then wakes the scheduler
   * when the change may free or add work (the job is pending or canceled).
   */
  changed(row: JobRow): void;
  /** Announces that many jobs changed at once (bulk enqueue, retry all, purge): subscribers re-read. */
  changedMany(): void;
  /** Pauses or resumes every queue at once (stored, applied to the scheduler, announced to subscribers). */
  setPaused(paused: boolean): Promise<QueuePauseResult>;
  /** Pauses or resumes one named queue (stored, logged, announced; resuming wakes the scheduler); null when no such queue. */
  setQueuePaused(queue: string, paused: boolean): Promise<QueuePauseResult | null>;
  /** A queue's settings changed (queue.set, already committed): announces every queue to subscribers and wakes the scheduler. */
  queuesChanged(): void;
  /** A schedule was added, removed, paused, resumed or edited (committed): the cron loop looks again and re-arms its timer. */
  schedulesChanged(): void;
  /** Begins a graceful stop; resolves when the engine has stopped. */
  stop(options: { timeoutMs?: number }): Promise<void>;
}
