import type { Job, JobState } from './job.js';
import type { LogBytes } from './log-chunk.js';
import type { QueueInfo, WorkerInfo } from './methods.js';

/**
 * What the daemon pushes to a subscribed client, as a JSON-RPC notification `{"method":"event","params":E}`
 * on the socket, a Server-Sent Event (`data: E`) in the browser, and an IPC message in the Electron window.
 * A client chooses what it receives with `events.subscribe`.
 */
export type QueueEvent = JobsEvent | LogEvent | QueueStateEvent | StoppingEvent;

/**
 * Jobs that changed since the previous JobsEvent, coalesced over a short window (about 100 ms) so a busy
 * queue sends a few messages a second, not one per change. Each job appears once, in its latest state.
 */
export interface JobsEvent {
  type: 'jobs';
  /** Changed jobs, latest state, at most MAX_EVENT_JOBS. */
  jobs: Job[];
  /** True when more jobs changed than are listed (a bulk enqueue, a retry of the whole DLQ): re-read lists. */
  truncated: boolean;
  /** Jobs per state after the changes. */
  counts: Record<JobState, number>;
  /** The pool after the changes. */
  workers: WorkerInfo[];
}

/**
 * New output of the followed job's log; `ended` once the job is terminal and every byte was sent. `data` is
 * the bytes as text, and `data_base64` the exact bytes when they are not UTF-8 (see protocol/log-chunk.ts).
 */
export interface LogEvent extends LogBytes {
  type: 'log';
  id: string;
  /** Byte offset of the chunk in the log file. */
  offset: number;
  /** Where the next chunk starts. */
  next_offset: number;
  /** The job finished and its log was read to the end: no more LogEvents for it. */
  ended: boolean;
}

/**
 * The dispatcher or a named queue was paused or resumed (by anyone: the CLI, the dashboard, the tray, or
 * pause_on_dead), or a queue's settings changed. Sent to job subscribers.
 */
export interface QueueStateEvent {
  type: 'queue';
  /** The switch that holds every queue (`queuectl pause` without --queue). */
  paused: boolean;
  /** When it was paused (ISO), null while running. */
  paused_since: string | null;
  /** Every named queue after the change. */
  queues: QueueInfo[];
}

/**
 * The daemon began a graceful stop (whoever asked: `worker stop`, a signal, the tray, `daemon.stop`): no job
 * starts, running ones finish until `kill_at`, then the daemon closes every connection. Sent to job
 * subscribers when the stop begins and again when a later request brings `kill_at` closer, so a client can
 * show "stopping" at once instead of a daemon that looks idle. JobsEvents go on meanwhile (runs ending).
 */
export interface StoppingEvent {
  type: 'stopping';
  /** Runs under way when this was sent: what the stop waits for. */
  running: number;
  /** When runs still under way get killed and requeued (ISO). */
  kill_at: string;
}

/** A JobsEvent lists at most this many jobs; more set `truncated`. */
export const MAX_EVENT_JOBS = 200;

/** What one client receives; each `events.subscribe` replaces the previous choice. */
export interface SubscribeParams {
  /** Receive JobsEvents. */
  jobs?: boolean;
  /** Follow this job's log (id or unique prefix) from `offset` (default 0); null or omitted stops following. */
  log?: { id: string; offset?: number } | null;
}

/** Name of the JSON-RPC notification that carries a QueueEvent on the socket. */
export const EVENT_NOTIFICATION = 'event';
