import { dirname } from 'node:path';
import type { Settings } from './config/settings.js';
import type { Assignment, Pool } from './pool.js';
import type { Store } from './store/index.js';
import type { Claimed, RunBeginning } from './store/transitions/claim.js';
import type { RunResult } from './store/transitions/finish.js';
import { logPathFor, type JobRow } from './store/rows.js';
import { currentRetryDelay } from './backoff.js';
import { isStorageError } from './store/storage-error.js';
import { withoutFsync } from './store/relaxed.js';
import { STOPPED_OWN_DAEMON, type RunFinished } from './worker/messages.js';
import { newRunMarker, RUN_MARKER_VAR } from './worker/contain.js';
import { readLastLine } from './logs/last-line.js';
import { nextRunStart } from './logs/run-sections.js';

/** What one scheduling transaction decided; acted on only after it committed. */
interface Decisions {
  changed: JobRow[];
  launches: Array<{ workerId: number; claimed: Claimed }>;
  /** Queues pause_on_dead paused in this transaction, each with the job whose death did it. */
  pausedQueues: Array<{ queue: string; jobId: string }>;
}

/**
 * Event-driven dispatch: hands due jobs to idle workers the moment something changes (an enqueue, a worker
 * finishing, a retry falling due), with a timer for the next run_at and tick_interval_ms as a safety poll.
 *
 * Group commit: a finished run and the claims it makes room for are one transaction, committed to the
 * WAL without an fsync (see store/relaxed.ts), and workers are told to start only after it committed, so
 * a failed commit never runs a job the database does not know is running.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  /** When the armed timer fires; a later due time never replaces an earlier one. */
  private timerAt = Infinity;
  private poll: NodeJS.Timeout | null = null;
  private halted = false;
  /** The queue is paused: nothing is claimed (results are still written). */
  private paused = false;
  /** Run results the database refused (full disk, read-only file); written before any new claim. */
  private readonly unrecorded: Array<{ jobId: string; attempt: number; result: RunResult }> = [];
  /** Set while writes fail, so the fault is logged once and its end once. */
  private storageFault: string | null = null;
  /** Process groups of runs that started, written with the next scheduling transaction (or within 100 ms). */
  private readonly startedGroups: Assignment[] = [];
  private groupsTimer: NodeJS.Timeout | null = null;
  private wakeScheduled = false;
  /** Told, after the commit, of each queue that pause_on_dead paused and the job that went dead (the engine announces it). */
  onQueuePaused: (queue: string, jobId: string) => void = () => {};

  /** Backoff before retry n, under the settings as they are when a run ends. */
  private readonly retryDelay: (n: number) => number;

  constructor(
    private readonly store: Store,
    private readonly pool: Pool,
    private readonly settings: Settings,
    private readonly logsDir: string,
    private readonly changed: (row: JobRow) => void,
    private readonly log: (message: string) => void,
  ) {
    this.retryDelay = currentRetryDelay(settings);
  }

  start(): void {
    this.restartPoll();
    this.dispatch();
  }

  /** Pauses or resumes claiming; resuming dispatches at once. Running jobs are never touched. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.wake();
  }

  /** Stops starting jobs; running ones are left alone. */
  halt(): void {
    this.halted = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.poll) clearInterval(this.poll);
    this.timer = this.poll = null;
    this.timerAt = Infinity;
  }

  restartPoll(): void {
    if (this.poll) clearInterval(this.poll);
    if (this.halted) return;
    this.poll = setInterval(() => this.dispatch(), this.settings.get('tick_interval_ms'));
  }

  /**
   * Gives every idle worker the best due job, then arms the timer for the next one that is not due yet.
   * While the database refuses writes, nothing is claimed; the safety poll tries again.
   */
  dispatch(): void {
    if (this.unrecorded.length === 0 && (this.halted || this.paused || this.pool.idleWorkers().length === 0)) return;
    this.transact();
  }

  /**
   * Dispatches soon, once, however often it is called in this turn of the event loop: an RPC answers
   * first and the claim follows, and a burst of enqueues costs one claim transaction.
   */
  wake(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.dispatch();
    });
  }

  /** Records how a run ended (completed, failed with a retry, dead, or requeued) and refills the worker. */
  finished(result: RunFinished): void {
    const outcome: RunResult['outcome'] =
      result.killedFor === 'requeued'
        ? 'requeued'
        : result.timedOut
          ? 'timed_out'
          : result.exitCode === 0 && result.signal === null && result.error === null
            ? 'completed'
            : 'failed';
    this.record(result.jobId, result.attempt, { outcome, exitCode: result.exitCode, signal: result.signal, error: result.error, lastLine: result.lastLine ?? null });
  }

  /**
   * A worker died mid-run: a crash spends an attempt, unless the daemon is stopping (then it is requeued).
   * The engine itself killed a worker that did not end its run in time (stopped, hung): the run ends as asked
   * (timed out, canceled, requeued). A run that stopped its own daemon is never requeued for free.
   */
  crashed(job: Assignment, code: number | null, signal: string | null): void {
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    // Its worker cannot say how its output ended: read here (a crash is rare), its processes killed already.
    const base = { exitCode: null, signal: null, lastLine: readLastLine(logPathFor(this.logsDir, job.jobId), job.logStart) };
    if (job.overdue === 'timed_out') {
      this.record(job.jobId, job.attempt, { ...base, outcome: 'timed_out', error: 'timed out; its worker did not answer (stopped or hung), so the engine killed it and the process tree' });
    } else if (job.stopRequester || job.killedFor === 'stopped_own_daemon') {
      this.record(job.jobId, job.attempt, { ...base, outcome: 'failed', error: STOPPED_OWN_DAEMON });
    } else {
      this.record(job.jobId, job.attempt, {
        ...base,
        outcome: this.halted || job.killedFor === 'requeued' ? 'requeued' : 'crashed',
        error: `the worker process died during the run (${how})`,
      });
    }
  }

  /** A run's command started: its process group is recorded soon, batched with other writes. */
  started(job: Assignment): void {
    this.startedGroups.push(job);
    this.groupsTimer ??= setTimeout(() => {
      this.groupsTimer = null;
      if (this.startedGroups.length) this.transact();
    }, 100);
  }

  /** Writes results held back by a storage fault. False if the database still refuses. */
  flushUnrecorded(): boolean {
    if (this.unrecorded.length === 0 && this.startedGroups.length === 0) return true;
    return this.transact();
  }

  /** Results not yet written; a stop that cannot write them leaves the jobs to start-up recovery. */
  get unrecordedCount(): number {
    return this.unrecorded.length;
  }

  private record(jobId: string, attempt: number, result: RunResult): void {
    // Only a running attempt's process group is ever read (crash recovery): a run that ended before its group
    // was written needs no write (one UPDATE less per short job).
    const group = this.startedGroups.findIndex((job) => job.jobId === jobId && job.attempt === attempt);
    if (group >= 0) this.startedGroups.splice(group, 1);
    this.unrecorded.push({ jobId, attempt, result });
    this.transact();
  }

  /**
   * One scheduling step as one transaction: write every held-back result, claim due jobs for idle
   * workers; then, once committed, announce the changes and start the claimed jobs. A storage fault rolls
   * it all back; held-back results stay queued for the next try. Returns false on a storage fault.
   */
  private transact(): boolean {
    const decisions: Decisions = { changed: [], launches: [], pausedQueues: [] };
    const now = Date.now();
    try {
      withoutFsync(this.store.db, () =>
        this.store.db.transaction(() => {
          for (const job of this.startedGroups) {
            if (job.pgid !== null) this.store.recordPgid(job.jobId, job.attempt, job.pgid, job.pgidIdentity);
          }
          for (const { jobId, attempt, result } of this.unrecorded) {
            const row = this.store.finish(jobId, attempt, result, now, this.retryDelay);
            if (!row) continue;
            // Before any claim: children of a dead parent must not start, nor jobs of a queue it pauses.
            decisions.changed.push(row, ...this.store.settleDependents(row, now));
            if (row.state === 'dead' && this.store.pauseOnDead(row.queue, now, row.id)) decisions.pausedQueues.push({ queue: row.queue, jobId: row.id });
          }
          if (!this.halted && !this.paused) this.claimDue(decisions, now);
        })(),
      );
    } catch (err) {
      if (!isStorageError(err)) throw err;
      this.storageFailed(err);
      return false;
    }
    this.unrecorded.length = 0;
    this.startedGroups.length = 0;
    this.storageRecovered();
    for (const { queue, jobId } of decisions.pausedQueues) this.onQueuePaused(queue, jobId);
    for (const row of decisions.changed) {
      this.changed(row);
      if (row.state === 'failed') this.armTimer(row.run_at, now);
    }
    for (const { workerId, claimed } of decisions.launches) this.launch(workerId, claimed);
    if (!this.halted && !this.paused && this.pool.idleWorkers().length > 0) this.armTimer(this.store.nextRunAt(now), now);
    return true;
  }

  private claimDue(decisions: Decisions, now: number): void {
    // Runs still in the pool count against their queue's limit even when their job is no longer processing
    // (canceled, its process tree still dying); the worker turning idle dispatches again.
    const held = this.pool.running().map((run) => run.jobId);
    for (const workerId of this.pool.idleWorkers()) {
      const claimed = this.store.claim(workerId, now, held, this.beginRun);
      if (!claimed) return;
      decisions.changed.push(claimed.job);
      decisions.launches.push({ workerId, claimed });
    }
  }

  /** How a run claimed now begins: its log section starts at the log's end; a fresh marker. */
  private readonly beginRun = (jobId: string): RunBeginning => ({ logStart: nextRunStart(logPathFor(this.logsDir, jobId)), marker: newRunMarker() });

  private launch(workerId: number, claimed: Claimed): void {
    const job = claimed.job;
    const beginning = claimed.beginning!; // claimDue gives every claim its beginning (beginRun)
    this.pool.run(workerId, {
      type: 'run',
      jobId: job.id,
      attempt: claimed.attempt,
      command: job.command,
      cwd: job.cwd,
      timeoutMs: job.timeout_ms,
      logPath: logPathFor(this.logsDir, job.id),
      logMaxBytes: this.settings.get('log_max_bytes'),
      logStart: beginning.logStart,
      env: this.environment(job.env_id),
      queuectlEnv: {
        QUEUECTL_JOB_ID: job.id,
        QUEUECTL_ATTEMPT: String(claimed.attempt),
        QUEUECTL_WORKER_ID: String(workerId),
        QUEUECTL_QUEUE: job.queue,
        // The data directory (the logs' parent): a queuectl the job runs reaches this daemon, whatever its env.
        QUEUECTL_HOME: dirname(this.logsDir),
        // Marks every process of this run, wherever it goes (worker/contain.ts).
        [RUN_MARKER_VAR]: beginning.marker,
      },
      umask: job.umask,
      keepChildren: job.keep_children === 1,
    });
  }

  /**
   * The last environment read, parsed: the jobs of one batch or one shell share a row, read once. A row's
   * content never changes and its id is never reused (AUTOINCREMENT, migration 0008), so the id is its key.
   */
  private lastEnv: { id: number; vars: Record<string, string> } | null = null;

  /** A job's stored environment (env_id), or null for the queue's own. */
  private environment(id: number | null): Record<string, string> | null {
    if (id === null) return null;
    if (this.lastEnv?.id !== id) {
      const stored = this.store.environment(id);
      // Gone only if the job was deleted since its claim, a run that cannot matter; the queue's own then.
      if (stored === null) return null;
      this.lastEnv = { id, vars: JSON.parse(stored.vars) as Record<string, string> };
    }
    return this.lastEnv.vars;
  }

  private storageFailed(err: unknown): void {
    if (this.storageFault === null) {
      this.log(`storage fault, no jobs start until it clears: ${(err as { code?: string }).code}: ${(err as Error).message}`);
    }
    this.storageFault = (err as Error).message;
  }

  private storageRecovered(): void {
    if (this.storageFault === null) return;
    this.log('storage writable again; scheduling resumes');
    this.storageFault = null;
  }

  /** Makes sure a dispatch happens by `next`; keeps an armed timer that fires earlier. */
  private armTimer(next: number | null, now: number): void {
    if (this.halted || next === null) return;
    if (this.timer && this.timerAt <= next && this.timerAt > now) return;
    if (this.timer) clearTimeout(this.timer);
    const delay = Math.min(Math.max(next - now, 0), 2 ** 31 - 1);
    this.timerAt = now + delay;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.dispatch();
    }, delay);
  }
}
