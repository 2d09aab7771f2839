import { closeSync, unlinkSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { ensurePrivateDir, openPrivateAppend } from '../home-files.js';
import { logPathFor } from '../store/rows.js';
import { RemovalGate } from './removal-gate.js';

/** Unlinks run this many at a time, so purging a large DLQ neither blocks the daemon nor floods the fs. */
const PARALLEL_UNLINKS = 32;

/** What a log reader (events/log-follow.ts) needs to know about a log beyond its bytes. */
export interface LogKeeper {
  /**
   * How many bytes of the job's log are settled now: while a run of it is under way, up to the end of that
   * run's cap (its section's start + its `log_max_bytes`); past it the file grows and is cut back
   * (worker/log-file.ts), so bytes there may still change. With no run under way, all of it (Infinity).
   * A run can start during a read, so a reader checks the limit again after reading (a lower one wins).
   */
  limit(id: string): number;
  /**
   * Calls `rewritten` each time the engine deletes the job's log (the log of a removed job, perhaps made
   * anew by a new job of that id), synchronously, before anything new can be written to it. Returns the way
   * to stop.
   */
  watch(id: string, rewritten: () => void): () => void;
}

/** A run under way, as the pool reports it: its section of the log starts at `logStart` and is trimmed to its cap. */
export interface RunningLog {
  jobId: string;
  logMaxBytes: number;
  logStart: number;
}

/** A removal through `removeJobs`: what its store call answered, and its jobs' logs being deleted. */
export interface Removal<T> {
  done: T;
  /** Resolves once the logs are gone (deleteLogs). */
  logsDeleted: Promise<void>;
}

export interface JobLogsOptions {
  dir: string;
  /** The runs under way (the pool's). */
  running(): readonly RunningLog[];
  log(message: string): void;
}

/**
 * The per-job log files as the engine (not the workers) handles them: deleting the logs of removed jobs
 * without ever touching a file a new job of the same id owns, and telling readers how far a log is settled
 * and when it was rewritten. A log holds every run of its job, each in its own section (logs/run-sections.ts),
 * until the job is removed: retries, automatic or not, append.
 *
 * Deleting: a removal goes through `removeJobs`, which queues its jobs' logs the moment its store call answers;
 * they are unlinked in the background (answered once done). A job enqueued with a queued id first has that old
 * log deleted synchronously (`beforeEnqueue`), and the deleter skips ids that are no longer queued; an unlink
 * already under way is waited for. So the new job's log is only ever made after the old one is gone. Both go
 * through one RemovalGate (removal-gate.ts), so an enqueue of a chosen id never commits between a removal's
 * commit and the queuing of its logs, however long the store's answer takes.
 */
export class JobLogs implements LogKeeper {
  /** Ids whose logs wait for the deleter (their jobs are gone from the database). */
  private readonly queued = new Set<string>();
  /** Unlinks under way, by job id. */
  private readonly unlinking = new Map<string, Promise<void>>();
  private readonly watchers = new Map<string, Set<() => void>>();
  private readonly gate = new RemovalGate();

  constructor(private readonly options: JobLogsOptions) {}

  path(id: string): string {
    return logPathFor(this.options.dir, id);
  }

  limit(id: string): number {
    for (const run of this.options.running()) if (run.jobId === id) return run.logStart + run.logMaxBytes;
    return Infinity;
  }

  watch(id: string, rewritten: () => void): () => void {
    let set = this.watchers.get(id);
    if (!set) this.watchers.set(id, (set = new Set()));
    set.add(rewritten);
    return () => {
      const current = this.watchers.get(id);
      if (current?.delete(rewritten) && current.size === 0) this.watchers.delete(id);
    };
  }

  /**
   * Deletes the logs of jobs gone from the database (a removal's through `removeJobs`, which calls it the
   * moment the removal answers; orphans at start-up). Resolves once each is gone, or taken over by
   * a new job of the same id (which deleted it first). A log that is not there is fine; any other failure
   * is logged and left (the jobs are gone either way; the file is only disk space).
   */
  async deleteLogs(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.queued.add(id);
    let next = 0;
    let failures = 0;
    let firstFailure = '';
    const lane = async (): Promise<void> => {
      while (next < ids.length) {
        const id = ids[next++]!;
        if (!this.queued.delete(id)) {
          // Taken over by a new job (deleted then), or another call's lane has it: wait for that unlink.
          await this.unlinking.get(id);
          continue;
        }
        const problem = await this.unlinkQueued(id);
        if (problem !== null && failures++ === 0) firstFailure = problem;
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_UNLINKS, ids.length) }, lane));
    if (failures > 0) this.options.log(`could not delete ${failures} log file(s) of removed jobs, e.g. ${firstFailure}`);
  }

  /**
   * Deletes jobs through `remove` (one store call; `removedIds` reads the ids it deleted from its answer) and
   * queues their logs for deletion as soon as it answers, before an enqueue of one of those ids can go on.
   * `ids`: the jobs it may delete, or null when only its commit knows (a filter, the DLQ, a clean batch): it
   * then keeps every enqueue of a chosen id waiting, for one store call.
   */
  removeJobs(ids: readonly string[] | null, remove: () => Promise<string[]>): Promise<Removal<string[]>>;
  removeJobs<T>(ids: readonly string[] | null, remove: () => Promise<T>, removedIds: (done: T) => readonly string[]): Promise<Removal<T>>;
  async removeJobs<T>(
    ids: readonly string[] | null,
    remove: () => Promise<T>,
    removedIds: (done: T) => readonly string[] = (done) => done as readonly string[],
  ): Promise<Removal<T>> {
    return await this.gate.pass('remove', ids, async () => {
      const done = await remove();
      return { done, logsDeleted: this.deleteLogs(removedIds(done)) };
    });
  }

  /**
   * Stores jobs with these chosen ids through `store`, after the old logs of removed jobs with the same ids
   * are gone: a removal of one of them under way is waited for (RemovalGate), unlinks under way too, queued
   * ones are deleted now, synchronously, so `store` and everything it starts find no old file. A removal of
   * one of them that comes meanwhile waits until `store` settles. Synchronous unless something was in the way.
   */
  beforeEnqueue<T>(ids: readonly string[], store: () => T | Promise<T>): T | Promise<T> {
    if (ids.length === 0) return store();
    return this.gate.pass('enqueue', ids, () => this.clearOldLogs(ids, store));
  }

  /**
   * Makes the logs directory and a log file safe to write before a run appends to `path` (the worker opens
   * it by path): logs/ is made again (0700) if it was deleted, and replaced if it is not a directory of ours;
   * the log is made (0600) if missing, and a link or another user's file at its name is replaced
   * (home-files.ts). Failures are logged; the run then reports its own error.
   */
  prepareRun(path: string): void {
    try {
      this.ensureDir();
      closeSync(openPrivateAppend(path, this.options.log));
    } catch (err) {
      this.options.log(`could not prepare the log ${path}: ${(err as Error).message}`);
    }
  }

  /** Makes the logs directory again (0700) if it was deleted, or replaces it if it is not a directory of ours. */
  ensureDir(): void {
    if (ensurePrivateDir(this.options.dir, this.options.log)) this.options.log(`the logs directory ${this.options.dir} was missing; made it again`);
  }

  /** Deletes the queued logs of `ids` (waiting for unlinks under way), then calls `store`. */
  private clearOldLogs<T>(ids: readonly string[], store: () => T | Promise<T>): T | Promise<T> {
    const busy = ids.flatMap((id) => this.unlinking.get(id) ?? []);
    if (busy.length > 0) return Promise.all(busy).then(() => this.clearOldLogs(ids, store));
    for (const id of ids) {
      if (!this.queued.delete(id)) continue;
      try {
        unlinkSync(this.path(id));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.options.log(`could not delete the old log of a removed job before job ${id} took its id: ${(err as Error).message}`);
        }
      }
      this.rewritten(id);
    }
    return store();
  }

  /** Unlinks the log of a dequeued id; the answer is null, or what went wrong. */
  private unlinkQueued(id: string): Promise<string | null> {
    const path = this.path(id);
    let problem: string | null = null;
    const done = unlink(path).then(
      () => undefined,
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') problem = `${path}: ${err.message}`;
      },
    );
    const tracked = done.finally(() => {
      this.unlinking.delete(id);
      this.rewritten(id);
    });
    this.unlinking.set(id, tracked);
    return tracked.then(() => problem);
  }

  private rewritten(id: string): void {
    const set = this.watchers.get(id);
    if (set) for (const rewritten of [...set]) rewritten();
  }
}
