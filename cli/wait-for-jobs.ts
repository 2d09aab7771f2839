import { EVENT_NOTIFICATION, QueueError, isTerminal, type Job, type QueueEvent } from '../protocol/index.js';
import type { RpcClient } from '../protocol/node/client.js';
import { daemonGone, unresponsive } from './errors.js';

/**
 * Waiting for jobs to end, without polling: subscribe to job events first, then read the jobs' current
 * state (so a job that ends before the subscription is not missed), then follow the events. A JobsEvent
 * with `truncated` (a bulk change, or more than 200 jobs changed at once) makes the jobs still awaited be
 * read again: a few with `show`, many with `list` pages of what changed since the last read.
 *
 * A job's end is the first terminal state (completed, dead, canceled) seen after the wait began, or the
 * state it already had: if someone retries it afterwards (dead → pending), that later run is not awaited.
 */

/** `show` calls in flight at once when reading many jobs. */
const SHOW_CONCURRENCY = 16;
/** Up to this many jobs awaited, a truncated event is answered with one `show` each; more, with `list` pages. */
const SHOW_REFRESH_MAX = 64;
const LIST_PAGE = 2000;
/**
 * The daemon stamps updated_at with the same clock (same machine); this margin covers the time between its
 * stamp and our reading of the clock.
 */
const CLOCK_MARGIN_MS = 2000;
/** Longest a Node timer waits. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Target {
  /** Full id. */
  readonly id: string;
  /** Tells this job from a later one of the same id (a removed job's id may be used again); null until seen. */
  createdAt: string | null;
  /** Latest state seen; null for a job enqueued by this client and not seen since. */
  job: Job | null;
  /** How it ended: reached a terminal state, or removed before it was seen to. */
  end: 'finished' | 'removed' | null;
}

export interface Tally {
  total: number;
  /** Ended (finished or removed). */
  done: number;
  /** Ended other than completed. */
  failed: number;
  /** Processing now. */
  running: number;
}

export type WaitOutcome = 'done' | 'timeout' | 'daemon-gone';

export interface WaitHooks {
  /** A job ended (called once per job, in the order they were seen to end). */
  ended?(target: Target): void;
  /** Something changed that a progress display shows. */
  changed?(): void;
}

export class JobWaiter {
  private readonly targets = new Map<string, Target>();
  /** Jobs seen in events while the targets are still being read (null afterwards). */
  private early: Map<string, Job> | null = new Map();
  private earlyTruncated = false;
  /** Jobs enqueued by this client before this time (less the margin) are someone else's. */
  private newSince = 0;
  /** Jobs in the store, from the latest JobsEvent: a drop means jobs were removed. */
  private lastTotal: number | null = null;
  /** Changes before this moment (daemon clock, less the margin) have been read. */
  private cutoff = 0;
  private refreshing = false;
  private refreshAgain = false;
  private refreshByShow = false;
  private settle: ((outcome: WaitOutcome) => void) | null = null;
  private fail: ((err: unknown) => void) | null = null;
  private settled = false;

  constructor(
    private readonly client: RpcClient,
    private readonly hooks: WaitHooks = {},
  ) {}

  /** Subscribes to job events. Call before reading or enqueuing the jobs to wait for. */
  async subscribe(): Promise<void> {
    this.cutoff = Date.now() - CLOCK_MARGIN_MS;
    this.client.onNotification = (n) => {
      if (n.method === EVENT_NOTIFICATION) this.onEvent(n.params as QueueEvent);
    };
    const [subscribed, status] = await Promise.all([this.client.call('events.subscribe', { jobs: true }), this.client.call('status', {})]);
    // The daemon is closing its event hub: it is stopping and about to close the connection.
    if (!subscribed.jobs) throw new QueueError('NOT_RUNNING', 'the daemon is stopping');
    this.lastTotal ??= sumCounts(status.counts);
  }

  /**
   * Reads the jobs named (ids or unique prefixes) and waits for them. Every id that matches no job or
   * several is reported in one QueueError; other errors (the daemon went away) are thrown as they are.
   */
  async addByIds(ids: readonly string[]): Promise<void> {
    const results = await mapLimit(ids, SHOW_CONCURRENCY, (id) =>
      this.client.call('show', { id }).then(
        (r) => r.job,
        (err: unknown) => err,
      ),
    );
    const refused = results.filter((r): r is QueueError => r instanceof QueueError && (r.code === 'JOB_NOT_FOUND' || r.code === 'AMBIGUOUS_ID'));
    const other = results.find((r) => r instanceof Error && !refused.includes(r as QueueError));
    if (other) throw other;
    if (refused.length > 0) throw new QueueError(refused[0]!.code, refused.map((e) => e.message).join('\nqueuectl: error: '));
    for (const job of results as Job[]) this.addJob(job);
  }

  /** Waits for a job read or enqueued by the caller (after subscribe). */
  addJob(job: Job): void {
    if (this.targets.has(job.id)) return;
    this.targets.set(job.id, { id: job.id, createdAt: job.created_at, job, end: null });
  }

  /** Waits for jobs this client has just enqueued (after subscribe), known by id only. */
  addEnqueued(ids: readonly string[], enqueuedSince: number): void {
    this.newSince = enqueuedSince - CLOCK_MARGIN_MS;
    for (const id of ids) if (!this.targets.has(id)) this.targets.set(id, { id, createdAt: null, job: null, end: null });
  }

  /** The jobs awaited, in the order they were added. */
  list(): Target[] {
    return [...this.targets.values()];
  }

  tally(): Tally {
    const tally: Tally = { total: this.targets.size, done: 0, failed: 0, running: 0 };
    for (const t of this.targets.values()) {
      if (t.end) {
        tally.done++;
        if (t.end === 'removed' || t.job?.state !== 'completed') tally.failed++;
      } else if (t.job?.state === 'processing') tally.running++;
    }
    return tally;
  }

  /**
   * Resolves when every job has ended, the timeout passed (`deadline`, ms since the epoch), or the daemon
   * went away; rejects with DaemonUnavailable when it stopped answering. Call once, after adding the jobs;
   * jobs already ended are reported at once.
   */
  wait(deadline: number | null): Promise<WaitOutcome> {
    return new Promise<WaitOutcome>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      this.settle = (outcome) => {
        if (this.settled) return;
        this.settled = true;
        if (timer) clearTimeout(timer);
        resolve(outcome);
      };
      this.fail = (err) => {
        if (this.settled) return;
        this.settled = true;
        if (timer) clearTimeout(timer);
        reject(err);
      };
      // What events said while the jobs were being read: only about these jobs, not about an earlier job of the same id.
      const early = this.early ?? new Map<string, Job>();
      this.early = null;
      for (const t of this.targets.values()) if (t.job) this.observe(t.job, false);
      for (const job of early.values()) {
        const t = this.targets.get(job.id);
        if (!t) continue;
        if (t.createdAt === null ? Date.parse(job.created_at) >= this.newSince : job.created_at === t.createdAt) this.observe(job, false);
      }
      this.checkDone();
      if (this.settled) return;
      if (this.earlyTruncated) this.requestRefresh();
      // A daemon that stopped answering (the connection's pings went unanswered) is an error naming its pid.
      void this.client.closed().then(() => {
        const hung = unresponsive(this.client.failure);
        if (hung) this.fail?.(hung);
        else this.settle?.('daemon-gone');
      });
      if (deadline !== null) {
        const arm = (): void => {
          const left = deadline - Date.now();
          if (left <= 0) this.settle?.('timeout');
          else timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
        };
        arm();
      }
    });
  }

  private onEvent(event: QueueEvent): void {
    if (event.type !== 'jobs') return;
    const total = sumCounts(event.counts);
    const removals = this.lastTotal !== null && total < this.lastTotal;
    this.lastTotal = total;
    if (this.early) {
      for (const job of event.jobs) this.early.set(job.id, job);
      if (event.truncated) this.earlyTruncated = true;
      if (removals) this.refreshByShow = true;
      return;
    }
    if (this.settled) return;
    for (const job of event.jobs) this.observe(job, true);
    this.checkDone();
    if (event.truncated && !this.settled) {
      if (removals) this.refreshByShow = true;
      this.requestRefresh();
    }
  }

  /** A job's latest state; `newer`: it is known to be newer than anything seen of that id (not from before the wait). */
  private observe(job: Job, newer: boolean): void {
    const t = this.targets.get(job.id);
    if (!t || t.end) return;
    if (t.createdAt !== null && job.created_at !== t.createdAt) {
      // Another job of that id: ours was removed. From before the wait began it is only an older namesake.
      if (newer) this.end(t, 'removed');
      return;
    }
    t.createdAt = job.created_at;
    t.job = job;
    if (isTerminal(job.state)) this.end(t, 'finished');
    else this.hooks.changed?.();
  }

  private end(t: Target, how: 'finished' | 'removed'): void {
    t.end = how;
    this.hooks.ended?.(t);
    this.hooks.changed?.();
  }

  private checkDone(): void {
    for (const t of this.targets.values()) if (!t.end) return;
    this.settle?.('done');
  }

  /** Reads the jobs still awaited again; one read at a time, and one more if asked meanwhile. */
  private requestRefresh(): void {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    this.refresh()
      .then(() => this.checkDone())
      .catch((err: unknown) => {
        if (unresponsive(err as Error)) this.fail?.(err);
        else if (daemonGone(err) || (err instanceof QueueError && err.code === 'SHUTTING_DOWN')) this.settle?.('daemon-gone');
        else this.fail?.(err);
      })
      .finally(() => {
        this.refreshing = false;
        if (this.refreshAgain && !this.settled) {
          this.refreshAgain = false;
          this.requestRefresh();
        }
      });
  }

  private async refresh(): Promise<void> {
    const started = Date.now();
    const open = [...this.targets.values()].filter((t) => !t.end);
    if (open.length === 0) return;
    const byShow = this.refreshByShow || open.length <= SHOW_REFRESH_MAX;
    this.refreshByShow = false;
    if (byShow) await this.readByShow(open.map((t) => t.id));
    else await this.readChangedSince(this.cutoff);
    this.cutoff = started - CLOCK_MARGIN_MS;
  }

  /** One `show` per job (a few in flight): exact, and tells a removed job. */
  private async readByShow(ids: string[]): Promise<void> {
    await mapLimit(ids, SHOW_CONCURRENCY, async (id) => {
      try {
        const { job } = await this.client.call('show', { id });
        // A prefix of another job's id answers with that job: not ours, so ours is gone.
        if (job.id !== id) this.removedById(id);
        else this.observe(job, true);
      } catch (err) {
        if (err instanceof QueueError && (err.code === 'JOB_NOT_FOUND' || err.code === 'AMBIGUOUS_ID')) this.removedById(id);
        else throw err;
      }
    });
  }

  /** The jobs changed since `since`, newest change first, in pages; stops at the first older one. */
  private async readChangedSince(since: number): Promise<void> {
    for (let offset = 0; ; ) {
      const { jobs, total } = await this.client.call('list', { sort: 'updated', order: 'desc', offset, limit: LIST_PAGE });
      let older = false;
      for (const job of jobs) {
        if (Date.parse(job.updated_at) < since) older = true;
        else this.observe(job, true);
      }
      offset += jobs.length;
      if (older || jobs.length === 0 || offset >= total) return;
    }
  }

  private removedById(id: string): void {
    const t = this.targets.get(id);
    if (t && !t.end) this.end(t, 'removed');
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function sumCounts(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
