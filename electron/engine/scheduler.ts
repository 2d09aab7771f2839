import { dirname } from 'node:path';
import type { Settings } from './config/settings.js';
import type { Assignment, Pool } from './pool.js';
import type { PendingResult, StepDone, StoreApi } from './store/api.js';
import type { Claimed, RunBeginning } from './store/transitions/claim.js';
import type { RunResult } from './store/transitions/finish.js';
import { logPathFor, type JobRow } from './store/rows.js';
import { currentRetryDelay } from './backoff.js';
import { isStorageError, StoreUnavailableError } from './store/storage-error.js';
import { STOPPED_OWN_DAEMON, type RunFinished } from './worker/messages.js';
import { newRunMarker, RUN_MARKER_VAR } from './worker/contain.js';
import { readLastLine } from './logs/last-line.js';
import { nextRunStart } from './logs/run-sections.js';

/**
 * Event-driven dispatch: hands due jobs to idle workers the moment something changes (an enqueue, a worker
 * finishing, a retry falling due), with a timer for the next run_at and tick_interval_ms as a safety poll.
 *
 * Group commit: a finished run and the claims it makes room for are one step of the store (store.step: one
 * transaction; on SQLite committed to the WAL without an fsync, see store/relaxed.ts), and workers are told
 * to start only after it committed, so a failed commit never runs a job the database does not know is running.
 * One step is in flight at a time: whatever asks for one meanwhile (a result, a wake, a started run) makes
 * exactly one more step run after it.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  /** When the armed timer fires; a later due time never replaces an earlier one. */
  private timerAt = Infinity;
  private poll: NodeJS.Timeout | null = null;
  private halted = false;
  /** The queue is paused: nothing is claimed (results are still written). */
  private paused = false;
  /** Run results the store refused (full disk, read-only file, a server out of reach); written before any new claim. */
  private readonly unrecorded: PendingResult[] = [];
  /** Set while writes fail, so the fault is logged once and its end once. */
  private storageFault: string | null = null;
  private storageFaultLogged = false;
  /** Process groups of runs that started, written with the next scheduling transaction (or within 100 ms). */
  private readonly startedGroups: Assignment[] = [];
  private groupsTimer: NodeJS.Timeout | null = null;
  private wakeScheduled = false;
  /** The steps under way (one at a time, then the one asked for meanwhile), or null when none runs. */
  private stepping: Promise<void> | null = null;
  /** A step was asked for while one was in flight: one more runs after it. */
  private stepAgain = false;
  /** Told, after the commit, of each queue that pause_on_dead paused and the job that went dead (the engine announces it). */
  onQueuePaused: (queue: string, jobId: string) => void = () => {};

  /** Backoff before retry n, under the settings as they are when a run ends. */
  private readonly retryDelay: (n: number) => number;

  constructor(
    private readonly store: StoreApi,
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

  /** Resolves once the step in flight, if any, is done (its claims launched): a stop halts, then waits for it. */
  async settled(): Promise<void> {
    await this.stepping?.catch(() => undefined); // a step that threw was reported where it threw
  }

  /** Writes results held back by a storage fault (after the step in flight). False if the database still refuses. */
  async flushUnrecorded(): Promise<boolean> {
    await this.stepping;
    if (this.unrecorded.length === 0 && this.startedGroups.length === 0) return true;
    this.transact();
    await this.stepping;
    return this.unrecorded.length === 0 && this.startedGroups.length === 0;
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

  /** Runs a scheduling step now, or once more after the one in flight. */
  private transact(): void {
    if (this.stepping) {
      this.stepAgain = true;
      return;
    }
    this.stepping = this.steps();
  }

  private async steps(): Promise<void> {
    try {
      do {
        this.stepAgain = false;
        if (this.unrecorded.length > 0 || this.startedGroups.length > 0 || this.claiming()) await this.step();
      } while (this.stepAgain);
    } finally {
      this.stepping = null;
    }
  }

  /** New claims may be made: not halted or paused, and a worker idle. */
  private claiming(): boolean {
    return !this.halted && !this.paused && this.pool.idleWorkers().length > 0;
  }

  /**
   * One scheduling step as one transaction: write every held-back result, claim due jobs for idle
   * workers; then, once committed, announce the changes and start the claimed jobs. A storage fault rolls
   * it all back; held-back results stay queued for the next try. Results and groups that arrive during the
   * step wait for the next one.
   */
  private async step(): Promise<void> {
    const now = Date.now();
    const results = this.unrecorded.slice();
    const groups = this.startedGroups.slice();
    let done: StepDone;
    try {
      done = await this.store.step({
        now,
        groups: groups.flatMap((job) => (job.pgid === null ? [] : [{ jobId: job.jobId, attempt: job.attempt, pgid: job.pgid, identity: job.pgidIdentity }])),
        results,
        retryDelay: this.retryDelay,
        idleWorkers: this.halted || this.paused ? [] : this.pool.idleWorkers(),
        // Runs still in the pool count against their queue's limit even when their job is no longer processing
        // (canceled, its process tree still dying); the worker turning idle dispatches again.
        held: this.pool.running().map((run) => run.jobId),
        begin: this.beginRun,
      });
    } catch (err) {
      // Any failure of the step rolls it back: a storage fault, or the store refusing the step itself (a bug,
      // a statement the server rejects). Either way the results are kept and the poll tries again; the daemon
      // stays up, since ending it would strand every running job.
      this.storageFailed(err);
      return;
    }
    this.unrecorded.splice(0, results.length);
    for (const job of groups) {
      const at = this.startedGroups.indexOf(job);
      if (at >= 0) this.startedGroups.splice(at, 1);
    }
    this.storageRecovered();
    for (const { queue, jobId } of done.pausedQueues) this.onQueuePaused(queue, jobId);
    for (const row of done.changed) {
      this.changed(row);
      if (row.state === 'failed') this.armTimer(row.run_at, now);
    }
    for (const { workerId, claimed } of done.claims) {
      const id = claimed.job.env_id;
      // In claim order: a launch waits for its environment, the next one waits for it.
      let env: Record<string, string> | null;
      try {
        env = id === null ? null : this.lastEnv?.id === id ? this.lastEnv.vars : await this.environment(id);
      } catch (err) {
        this.notStarted(claimed, err);
        continue;
      }
      this.launch(workerId, claimed, env);
    }
    // A step asked for meanwhile runs next and arms the timer itself if a worker is still idle after it.
    if (!this.claiming() || this.stepAgain) return;
    try {
      this.armTimer(done.nextRunAt !== undefined ? done.nextRunAt : await this.store.nextRunAt(now), now);
    } catch (err) {
      // The safety poll dispatches meanwhile, and the next step that commits reads it again.
      this.storageFailed(err);
    }
  }

  /**
   * A claimed run whose environment could not be read never starts, written with the next step like any result:
   * the store went away or refused the read right after the commit, and it goes back to waiting without spending
   * an attempt; or the row cannot be read at all (not JSON), and the run fails, so retries and the DLQ end it
   * instead of a loop.
   */
  private notStarted(claimed: Claimed, err: unknown): void {
    // Only a row that is not JSON is the job's own fault; a server refusing the read (too many connections, a
    // deadline) passes, like an outage.
    const unreadable = err instanceof SyntaxError;
    if (!unreadable) this.storageFailed(err);
    const error = `not started: its environment could not be read (${err instanceof Error ? err.message : String(err)})`;
    this.unrecorded.push({ jobId: claimed.job.id, attempt: claimed.attempt, result: { outcome: unreadable ? 'failed' : 'requeued', exitCode: null, signal: null, error } });
    this.stepAgain = true;
  }

  /** How a run claimed now begins: its log section starts at the log's end; a fresh marker. */
  private readonly beginRun = (jobId: string): RunBeginning => ({ logStart: nextRunStart(logPathFor(this.logsDir, jobId)), marker: newRunMarker() });

  /** Starts a claimed run on its worker, with the job's stored environment (null: the queue's own). */
  private launch(workerId: number, claimed: Claimed, env: Record<string, string> | null): void {
    const job = claimed.job;
    const beginning = claimed.beginning!; // the step gives every claim its beginning (beginRun)
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
      env,
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

  /** A job's stored environment (env_id) read and kept as the last one, or null (the queue's own) when gone. */
  private async environment(id: number): Promise<Record<string, string> | null> {
    const stored = await this.store.environment(id);
    // Gone only if the job was deleted since its claim, a run that cannot matter; the queue's own then.
    if (stored === null) return null;
    this.lastEnv = { id, vars: JSON.parse(stored.vars) as Record<string, string> };
    return this.lastEnv.vars;
  }

  /**
   * A database server out of reach is logged by the store itself, once each way (store/postgres/health.ts), so
   * only a file's faults (full disk, read-only) are logged here.
   */
  private storageFailed(err: unknown): void {
    if (this.storageFault === null && !(err instanceof StoreUnavailableError)) {
      this.log(
        isStorageError(err)
          ? `storage fault, no jobs start until it clears: ${(err as { code?: string }).code}: ${(err as Error).message}`
          : `scheduling step failed, no jobs start until it clears: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      this.storageFaultLogged = true;
    }
    this.storageFault = err instanceof Error ? err.message : String(err);
  }

  private storageRecovered(): void {
    if (this.storageFault === null) return;
    if (this.storageFaultLogged) this.log('storage writable again; scheduling resumes');
    this.storageFault = null;
    this.storageFaultLogged = false;
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
