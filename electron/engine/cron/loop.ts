import { formatDuration } from '../../../protocol/index.js';
import type { Settings } from '../config/settings.js';
import { validateSpec } from '../job-spec.js';
import type { JobRow } from '../store/rows.js';
import type { ScheduleRow } from '../store/schedule-rows.js';
import { isStorageError } from '../store/storage-error.js';
import type { NewJob } from '../store/transitions/enqueue.js';
import type { Firing, FiringResult } from '../store/transitions/schedules.js';
import { cronSlots, type CronSlots } from './expression.js';

/** Wall clock and timers, injected so tests control time. */
export interface CronClock {
  now(): number;
  /** Calls `fn` once after `ms`; returns what cancels it. */
  after(ms: number, fn: () => void): () => void;
  /** Calls `fn` every `ms`; returns what stops it. */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: CronClock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
};

/** The longest a Node timer can wait (2^31 - 1 ms, about 24.8 days); a later slot is re-armed on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * How often the wall clock is compared with the next slot. Timers count time the machine was awake only, so
 * after a sleep the armed timer is late; this catches up within a second of waking.
 */
export const CRON_POLL_MS = 1000;
/** A slot fired later than this after it passed is logged as late (the daemon was down, the machine slept). */
const LATE_MS = 60_000;

/** What the loop needs of the store (createStore's schedule functions). */
export interface CronStore {
  schedulesByNext(): ScheduleRow[];
  fireSchedule(firing: Firing, now: number): FiringResult;
}

export interface CronLoopOptions {
  store: CronStore;
  settings: Settings;
  /** Told of each job a firing enqueued, after the commit (the engine announces it and wakes the scheduler). */
  fired(job: JobRow): void;
  log(message: string): void;
  clock?: CronClock;
  pollMs?: number;
}

/**
 * Fires recurring schedules: a timer armed for the earliest next_at (re-armed when schedules are added or
 * removed), plus a poll of the wall clock against it. Firing one schedule is one transaction
 * (store.fireSchedule): the job for the slot, and next_at moved to the first slot after max(slot, now),
 * guarded by the next_at it read, so no slot ever gets two jobs.
 *
 * Missed slots (daemon not running, machine asleep): the schedule fires once, for the latest slot that
 * passed, and the rest are skipped. A stored job spec that no longer passes the checks skips its slot (logged).
 * Nothing here throws into the engine: a storage fault is logged once and retried on the poll; a schedule
 * that cannot fire at all (a bug) is logged and left alone until the daemon restarts.
 */
export class CronLoop {
  private readonly clock: CronClock;
  private readonly pollMs: number;
  private cancelTimer: (() => void) | null = null;
  private cancelPoll: (() => void) | null = null;
  /** When the next check is due on the wall clock; the poll compares with it. */
  private dueAt = Infinity;
  private running = false;
  /** Schedules that cannot fire (logged once each). */
  private readonly stuck = new Set<string>();
  /** The fault (storage, mostly) being waited out: logged when it starts and when it ends. */
  private fault: string | null = null;

  constructor(private readonly options: CronLoopOptions) {
    this.clock = options.clock ?? systemClock;
    this.pollMs = options.pollMs ?? CRON_POLL_MS;
  }

  /** Fires what is due now (slots missed while the daemon was down) and arms for the next slot. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.cancelPoll = this.clock.every(this.pollMs, () => {
      if (this.clock.now() >= this.dueAt) this.check();
    });
    this.check();
  }

  /** No more firings (the first step of a graceful stop). */
  stop(): void {
    this.running = false;
    this.cancelPoll?.();
    this.cancelTimer?.();
    this.cancelPoll = this.cancelTimer = null;
    this.dueAt = Infinity;
  }

  /** Schedules were added or removed: looks again and arms for the earliest slot. */
  rearm(): void {
    if (this.running) this.check();
  }

  /** Fires every schedule whose slot came, then arms the timer for the earliest next slot. */
  check(): void {
    if (!this.running) return;
    const now = this.clock.now();
    let earliest = Infinity;
    let retry = false;
    try {
      for (const row of this.options.store.schedulesByNext()) {
        if (this.stuck.has(row.id)) continue;
        if (row.next_at > now) {
          earliest = Math.min(earliest, row.next_at);
          continue;
        }
        const next = this.fire(row, now);
        if (next === 'retry') retry = true;
        else earliest = Math.min(earliest, next);
      }
    } catch (err) {
      // Reading the schedules failed: a storage fault, or a bug (with its stack); logged once, the poll tries again.
      this.faulted(isStorageError(err) ? `the database refused (${messageOf(err)})` : `reading the schedules failed: ${stackOf(err)}`);
      retry = true;
    }
    if (!retry) this.recovered();
    this.arm(retry ? Math.min(earliest, now + this.pollMs) : earliest, now);
  }

  /**
   * Fires one due schedule for the latest slot that passed. Answers its next slot, 'retry' when the database
   * refused the write, or Infinity when it cannot fire at all.
   */
  private fire(row: ScheduleRow, now: number): number | 'retry' {
    let slots: CronSlots;
    try {
      slots = cronSlots(row.cron, row.tz);
    } catch (err) {
      return this.giveUp(row, `its cron expression ${JSON.stringify(row.cron)} does not parse (${messageOf(err)})`);
    }
    const slot = Math.max(row.next_at, slots.latestAtOrBefore(now) ?? row.next_at);
    const next = slots.nextAfter(Math.max(slot, now));
    if (next === null) return this.giveUp(row, `its cron expression ${JSON.stringify(row.cron)} has no slot after ${iso(now)}`);

    let job: NewJob | null = null;
    let refused: string | null = null;
    try {
      job = validateSpec(JSON.parse(row.spec) as unknown, this.options.settings, now);
    } catch (err) {
      refused = messageOf(err);
    }
    let result: FiringResult;
    try {
      result = this.options.store.fireSchedule({ id: row.id, expected: row.next_at, slot, next, job }, now);
    } catch (err) {
      if (!isStorageError(err)) return this.giveUp(row, `firing failed: ${stackOf(err)}`);
      this.faulted(`the database refused (${messageOf(err)})`);
      return 'retry';
    }
    if (result.outcome === 'stale') return next;
    if (refused !== null) this.options.log(`schedule ${row.id}: skipped the slot of ${iso(slot)}: its job no longer passes the checks: ${refused}`);
    else this.logMissed(row, slot, now);
    if (result.outcome === 'fired') this.announce(result.job);
    return next;
  }

  /** Tells the engine of a committed job; a failure there is logged, never thrown into the loop. */
  private announce(job: JobRow): void {
    try {
      this.options.fired(job);
    } catch (err) {
      this.options.log(`schedules: announcing job ${job.id} failed: ${stackOf(err)}`);
    }
  }

  /** One line when slots were skipped or the slot fired late; nothing for a firing on time. */
  private logMissed(row: ScheduleRow, slot: number, now: number): void {
    if (slot > row.next_at) {
      this.options.log(
        `schedule ${row.id}: the slots from ${iso(row.next_at)} to ${iso(slot)} passed while the daemon was not running or the machine slept; fired once, for ${iso(slot)}`,
      );
    } else if (now - slot > LATE_MS) {
      this.options.log(`schedule ${row.id}: fired ${formatDuration(now - slot)} late for the slot of ${iso(slot)} (the daemon was not running or the machine slept)`);
    }
  }

  private giveUp(row: ScheduleRow, why: string): number {
    this.stuck.add(row.id);
    this.options.log(`schedule ${row.id} cannot fire: ${why}; it is left alone until the daemon restarts (queuectl schedule remove ${row.id} deletes it)`);
    return Infinity;
  }

  private faulted(message: string): void {
    if (this.fault === null) this.options.log(`schedules: cannot fire: ${message}; trying again every ${this.pollMs} ms`);
    this.fault = message;
  }

  private recovered(): void {
    if (this.fault === null) return;
    this.fault = null;
    this.options.log('schedules: firing resumed');
  }

  private arm(at: number, now: number): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.dueAt = at;
    if (at === Infinity) return;
    this.cancelTimer = this.clock.after(Math.min(Math.max(0, at - now), MAX_TIMER_MS), () => {
      this.cancelTimer = null;
      this.check();
    });
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function stackOf(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
