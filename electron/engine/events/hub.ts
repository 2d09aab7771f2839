import { MAX_EVENT_JOBS, isTerminal, type JobsEvent, type QueueEvent, type QueueStateEvent, type StoppingEvent, type SubscribeParams, type WorkerInfo } from '../../../protocol/index.js';
import type { EventHub as EventHubContract } from '../context.js';
import type { Session } from '../rpc/session.js';
import type { StoreApi } from '../store/api.js';
import { logPathFor, toJob, type JobRow } from '../store/rows.js';
import type { LogKeeper } from '../logs/job-logs.js';
import { LogFollow } from './log-follow.js';

/** Changes within this window go out as one JobsEvent. */
export const JOBS_WINDOW_MS = 100;
/** How often followed logs are checked for new output. */
export const LOG_POLL_MS = 200;

export interface EventHubOptions {
  store: Pick<StoreApi, 'counts' | 'getJob'>;
  /** The pool as `status` shows it. */
  workers: () => WorkerInfo[];
  logsDir: string;
  /** How far a running job's log is settled, and news of rewrites (logs/job-logs.ts). */
  logs?: LogKeeper;
  log: (message: string) => void;
}

/**
 * Who receives which events. Job changes are coalesced over JOBS_WINDOW_MS with one timer for all
 * subscribers, each job once in its latest state, at most MAX_EVENT_JOBS (more, or a bulk change, set
 * `truncated`). Followed logs are polled every LOG_POLL_MS, and looked at at once when their job changes.
 * Nobody subscribed: jobChanged does nothing and no timer runs.
 */
export class EventHub implements EventHubContract {
  private readonly jobSessions = new Set<Session>();
  private readonly follows = new Map<Session, LogFollow>();
  private readonly followsByJob = new Map<string, Set<LogFollow>>();
  /** Jobs changed since the last JobsEvent, latest row per id. */
  private readonly changed = new Map<string, JobRow>();
  /** More changed than `changed` holds, or a bulk change happened. */
  private overflow = false;
  private jobsTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  /** A JobsEvent is being built (its counts read); `sendAgain`: another window closed meanwhile. */
  private sending = false;
  private sendAgain = false;
  private closed = false;

  constructor(private readonly options: EventHubOptions) {}

  subscribe(session: Session, params: SubscribeParams): { jobs: boolean; log: string | null } {
    this.unfollow(session);
    const jobs = params.jobs === true && !this.closed;
    if (jobs) this.jobSessions.add(session);
    else this.jobSessions.delete(session);
    this.quietJobsIfUnwatched();
    const log = params.log && !this.closed ? params.log : null;
    if (log) this.follow(session, log.id, log.offset ?? 0);
    return { jobs, log: log?.id ?? null };
  }

  drop(session: Session): void {
    this.jobSessions.delete(session);
    this.quietJobsIfUnwatched();
    this.unfollow(session);
  }

  /** A job's state changed (called after the commit). O(1); nothing at all when nobody listens. */
  jobChanged(row: JobRow): void {
    if (this.jobSessions.size > 0) {
      if (this.changed.size < MAX_EVENT_JOBS || this.changed.has(row.id)) this.changed.set(row.id, row);
      else this.overflow = true;
      this.jobsTimer ??= setTimeout(this.sendJobs, JOBS_WINDOW_MS);
    }
    if (this.followsByJob.size > 0) {
      const follows = this.followsByJob.get(row.id);
      if (follows) for (const follow of follows) follow.look();
    }
  }

  /**
   * The pool changed without a job changing (a worker started or died, a canceled run's process finally
   * exited): subscribers get a JobsEvent with the current workers and no jobs, in the same window.
   */
  workersChanged(): void {
    if (this.jobSessions.size === 0) return;
    this.jobsTimer ??= setTimeout(this.sendJobs, JOBS_WINDOW_MS);
  }

  /** Many jobs changed at once (bulk enqueue, retry all, purge, remove): the next JobsEvent is truncated. */
  bulkChanged(): void {
    if (this.jobSessions.size === 0) return;
    this.overflow = true;
    this.jobsTimer ??= setTimeout(this.sendJobs, JOBS_WINDOW_MS);
  }

  /** The queue was paused or resumed: job subscribers hear it at once. */
  queueChanged(event: QueueStateEvent): void {
    for (const session of this.jobSessions) this.deliver(session, event);
  }

  /** A graceful stop began, or its deadline moved closer: job subscribers hear it at once. */
  stopping(running: number, killAt: number): void {
    const event: StoppingEvent = { type: 'stopping', running, kill_at: new Date(killAt).toISOString() };
    for (const session of this.jobSessions) this.deliver(session, event);
  }

  /** Stops every timer and forgets every subscriber; later calls do nothing. */
  close(): void {
    this.closed = true;
    for (const session of [...this.follows.keys()]) this.unfollow(session);
    this.jobSessions.clear();
    this.quietJobsIfUnwatched();
  }

  /**
   * Sends the changes of the window with the counts as they are now; one send in flight (the counts are read
   * from the store): a window that closes meanwhile is sent right after it.
   */
  private readonly sendJobs = (): void => {
    this.jobsTimer = null;
    if (this.sending) {
      this.sendAgain = true;
      return;
    }
    this.sending = true;
    void this.send().finally(() => {
      this.sending = false;
      if (this.sendAgain) {
        this.sendAgain = false;
        this.sendJobs();
      }
    });
  };

  private async send(): Promise<void> {
    const rows = [...this.changed.values()];
    const truncated = this.overflow;
    this.changed.clear();
    this.overflow = false;
    let event: JobsEvent;
    try {
      const jobs = rows.map((row) => toJob(row, this.options.logsDir));
      event = { type: 'jobs', jobs, truncated, counts: await this.options.store.counts(), workers: this.options.workers() };
    } catch (err) {
      this.options.log(`could not build a jobs event: ${(err as Error).message}`);
      return;
    }
    for (const session of this.jobSessions) this.deliver(session, event);
  }

  /** With no job subscriber left, pending changes are dropped and the timer stopped. */
  private quietJobsIfUnwatched(): void {
    if (this.jobSessions.size > 0) return;
    if (this.jobsTimer) clearTimeout(this.jobsTimer);
    this.jobsTimer = null;
    this.sendAgain = false;
    this.changed.clear();
    this.overflow = false;
  }

  private follow(session: Session, id: string, offset: number): void {
    const follow: LogFollow = new LogFollow({
      id,
      path: logPathFor(this.options.logsDir, id),
      offset,
      send: (event) => this.deliver(session, event),
      finished: () => this.finished(id),
      keeper: this.options.logs,
      onEnded: () => {
        if (this.follows.get(session) === follow) this.unfollow(session);
      },
      log: this.options.log,
    });
    this.follows.set(session, follow);
    let forJob = this.followsByJob.get(id);
    if (!forJob) this.followsByJob.set(id, (forJob = new Set()));
    forJob.add(follow);
    this.pollTimer ??= setInterval(() => {
      for (const f of this.follows.values()) f.look();
    }, LOG_POLL_MS);
    follow.look();
  }

  private unfollow(session: Session): void {
    const follow = this.follows.get(session);
    if (!follow) return;
    follow.stop();
    this.follows.delete(session);
    const forJob = this.followsByJob.get(follow.id);
    if (forJob?.delete(follow) && forJob.size === 0) this.followsByJob.delete(follow.id);
    if (this.follows.size === 0 && this.pollTimer) {
      clearInterval(this.pollTimer);
      this.pollTimer = null;
    }
  }

  /** The job is gone, or terminal and no worker runs it any more (a canceled run may still be dying). */
  private async finished(id: string): Promise<boolean> {
    const row = await this.options.store.getJob(id);
    if (!row) return true;
    return isTerminal(row.state) && !this.options.workers().some((w) => w.job_id === id);
  }

  private deliver(session: Session, event: QueueEvent): void {
    try {
      session.push(event);
    } catch (err) {
      this.options.log(`could not deliver an event, dropped the subscriber: ${(err as Error).message}`);
      this.drop(session);
    }
  }
}
