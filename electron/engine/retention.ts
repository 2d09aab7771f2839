import { cleanFault, cleanInBatches, type CleanTally } from './clean.js';
import type { EngineContext } from './context.js';
import { RUN_MINUTES_KEPT_DAYS } from './store/run-minutes.js';
import type { CleanableState } from '../../protocol/index.js';

const DAY_MS = 86_400_000;
/** How often retention looks for finished jobs to delete. */
export const RETENTION_INTERVAL_MS = 10 * 60_000;
/** How soon after a retention setting changed it runs (a few changes in a row make one run). */
export const RETENTION_SETTLE_MS = 1000;
/** What retention deletes: finished jobs. Dead ones are the DLQ: kept until retried or purged. */
const RETAINED_STATES: readonly CleanableState[] = ['completed', 'canceled'];

export type RetentionContext = Pick<EngineContext, 'store' | 'settings' | 'jobLogs' | 'pool' | 'changedMany' | 'stopping' | 'log'>;

export interface RetentionOptions {
  intervalMs?: number;
  settleMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/**
 * Automatic retention (`retention_days`, `retention_max_jobs`; both 0, the default, keep everything):
 * deletes completed and canceled jobs that finished more than retention_days ago, then, while there are
 * more than retention_max_jobs of them, the oldest (by finished_at, then seq); with their attempts and logs,
 * in batches as `jobs.clean` does (clean.ts). Runs at start-up (after recovery), every RETENTION_INTERVAL_MS,
 * and RETENTION_SETTLE_MS after either setting changes. One line in the daemon's log per run that deleted
 * anything. Never during a graceful stop (a run under way ends before its next batch); a storage fault is
 * logged and the next run tries again; nothing it does can throw into the engine.
 * Each run, whatever the settings, also deletes the per-minute run counts (throughput) older than
 * RUN_MINUTES_KEPT_DAYS: they outlive the jobs, not that.
 */
export class Retention {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly settleMs: number;
  private readonly now: () => number;

  constructor(
    private readonly ctx: RetentionContext,
    options: RetentionOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? RETENTION_INTERVAL_MS;
    this.settleMs = options.settleMs ?? RETENTION_SETTLE_MS;
    this.now = options.now ?? Date.now;
    ctx.settings.onChange((key) => {
      if (key === 'retention_days' || key === 'retention_max_jobs') this.schedule(this.settleMs);
    });
  }

  /** The first run, at once (the engine has recovered by now), then the periodic ones. */
  start(): void {
    this.schedule(0);
  }

  /** No more runs; a run under way ends before its next batch. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Runs retention now, or once more after the run under way; resolves when done. Never rejects. */
  run(): Promise<void> {
    if (this.current) {
      this.again = true;
      return this.current;
    }
    const run = (async () => {
      do {
        this.again = false;
        try {
          await this.once();
        } catch (err) {
          this.ctx.log(`retention failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        }
      } while (this.again && !this.halted());
    })();
    this.current = run.finally(() => {
      this.current = null;
      this.schedule(this.intervalMs);
    });
    return this.current;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, delayMs);
    this.timer.unref();
  }

  private halted(): boolean {
    return this.stopped || this.ctx.stopping();
  }

  private async once(): Promise<void> {
    await this.ctx.store.pruneRunMinutes(this.now() - RUN_MINUTES_KEPT_DAYS * DAY_MS);
    const days = Number(this.ctx.settings.get('retention_days'));
    const maxJobs = Number(this.ctx.settings.get('retention_max_jobs'));
    if ((!(days > 0) && !(maxJobs > 0)) || this.halted()) return;
    const aged: CleanTally = { count: 0 };
    const trimmed: CleanTally = { count: 0 };
    const halted = () => this.halted();
    let complete = true;
    try {
      if (days > 0) {
        const finishedBefore = this.now() - days * DAY_MS;
        const maxSeq = await this.ctx.store.lastSeq();
        for (const state of RETAINED_STATES) {
          const filter = { state, finishedBefore, maxSeq };
          complete &&= await cleanInBatches(this.ctx, (keep) => this.ctx.store.cleanBatch(filter, keep), halted, aged);
        }
      }
      if (maxJobs > 0 && complete) {
        complete = await cleanInBatches(this.ctx, (keep) => this.ctx.store.trimFinished(maxJobs, keep), halted, trimmed);
      }
    } catch (err) {
      const detail = err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err);
      this.ctx.log(`retention: ${cleanFault(err)?.cause ?? `failed (${detail})`}; the next run tries again`);
    }
    const parts: string[] = [];
    if (aged.count > 0) parts.push(`${aged.count} finished ${aged.count === 1 ? 'job' : 'jobs'} older than ${plural(days, 'day')}`);
    if (trimmed.count > 0) {
      const limit = `beyond the limit of ${plural(maxJobs, 'job')}`;
      parts.push(aged.count > 0 ? `${trimmed.count} ${limit}` : `${trimmed.count} finished ${trimmed.count === 1 ? 'job' : 'jobs'} ${limit}`);
    }
    if (parts.length > 0) this.ctx.log(`retention: deleted ${parts.join(' and ')}${complete ? '' : ' (stopped early: the queue is stopping)'}`);
  }
}

const plural = (n: number, unit: string): string => `${n} ${n === 1 ? unit : `${unit}s`}`;
