import { formatDuration } from '../../../protocol/index.js';
import type { Settings } from '../config/settings.js';
import { validateSpec } from '../job-spec.js';
import type { JobRow } from '../store/rows.js';
import type { ScheduleRow } from '../store/schedule-rows.js';
import { isStorageError } from '../store/storage-error.js';
import type { StoreApi } from '../store/api.js';
import type { NewJob } from '../store/transitions/enqueue.js';
import type { FiringResult } from '../store/transitions/schedules.js';
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
/** Schedules named one by one in the line logged when the clock went back; the rest are counted. */
const REALIGN_NAMED = 5;

/** What the loop needs of the store: the schedules, firing and moving them, and their stored environments (env_id). */
export type CronStore = Pick<StoreApi, 'schedulesByNext' | 'fireSchedule' | 'realignSchedule' | 'environment'>;

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
 * Overlap 'skip': a slot whose previous job has not ended enqueues nothing (store.fireSchedule decides in the
 * firing's transaction and counts it); the first such slot is logged, and how many were skipped once the
 * schedule fires again. Paused schedules are not read at all, and a firing is guarded against a pause.
 * The wall clock going back (seen by the poll, and at start for next_at stored by an earlier daemon): every
 * schedule whose next_at is later than its next slot after now is moved back to it (guarded, logged).
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
  /** The pass under way (one at a time), or null; `checkAgain`: a check was asked for meanwhile, one more pass follows. */
  private checking: Promise<void> | null = null;
  private checkAgain = false;
  /** Schedules that cannot fire (logged once each). */
  private readonly stuck = new Set<string>();
  /** The fault (storage, mostly) being waited out: logged when it starts and when it ends. */
  private fault: string | null = null;
  /** The wall-clock time of the last fault seen (a slot missed since then was held up by it, not by sleep). */
  private faultSeenAt = -Infinity;
  /** When start() ran: slots before it passed while this daemon was not running. */
  private startedAt = Infinity;
  /** The wall clock as last seen by a check or the poll: a later reading before it means the clock went back. */
  private seenAt = -Infinity;
  /** Next runs must be compared with the clock (at start, after the clock went back, until that pass succeeded). */
  private realignDue = false;
  /** Overlap skips not yet summed up, per schedule: the job waited for, the first and last slot skipped, how many. */
  private readonly overlapped = new Map<string, { jobId: string; first: number; last: number; count: number }>();

  constructor(private readonly options: CronLoopOptions) {
    this.clock = options.clock ?? systemClock;
    this.pollMs = options.pollMs ?? CRON_POLL_MS;
  }

  /** Fires what is due now (slots missed while the daemon was down) and arms for the next slot. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedAt = this.clock.now();
    this.realignDue = true;
    this.cancelPoll = this.clock.every(this.pollMs, () => {
      const now = this.clock.now();
      this.saw(now);
      if (now >= this.dueAt || this.realignDue) void this.check();
    });
    void this.check();
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
    if (this.running) void this.check();
  }

  /**
   * Fires every schedule whose slot came, then arms the timer for the earliest next slot. One pass at a time:
   * a check asked for during a pass runs once more after it. Resolves when done; never rejects.
   */
  check(): Promise<void> {
    if (this.checking) {
      this.checkAgain = true;
      return this.checking;
    }
    this.checking = (async () => {
      try {
        do {
          this.checkAgain = false;
          await this.pass();
        } while (this.checkAgain);
      } finally {
        this.checking = null;
      }
    })();
    return this.checking;
  }

  private async pass(): Promise<void> {
    if (!this.running) return;
    const now = this.clock.now();
    this.saw(now);
    let earliest = Infinity;
    let retry = false;
    try {
      const realign: Realign | null = this.realignDue ? { moved: [] } : null;
      const rows = await this.options.store.schedulesByNext();
      if (this.overlapped.size > 0) {
        // Overlap counts of schedules removed meanwhile are forgotten.
        const ids = new Set(rows.map((r) => r.id));
        for (const id of this.overlapped.keys()) if (!ids.has(id)) this.overlapped.delete(id);
      }
      for (const row of rows) {
        if (this.stuck.has(row.id)) continue;
        if (row.next_at > now) {
          const next = realign === null ? row.next_at : await this.realign(row, now, realign);
          if (next === 'retry') retry = true;
          else earliest = Math.min(earliest, next);
          continue;
        }
        const next = await this.fire(row, now);
        if (next === 'retry') retry = true;
        else earliest = Math.min(earliest, next);
      }
      if (realign !== null) {
        this.logRealigned(realign, now);
        if (!retry) this.realignDue = false;
      }
    } catch (err) {
      // Reading the schedules failed: a storage fault, or a bug (with its stack); logged once, the poll tries again.
      this.faulted(isStorageError(err) ? `the database refused (${messageOf(err)})` : `reading the schedules failed: ${stackOf(err)}`, now);
      retry = true;
    }
    if (!retry) this.recovered();
    this.arm(retry ? Math.min(earliest, now + this.pollMs) : earliest, now);
  }

  /** Notes a reading of the wall clock; one earlier than the last means the clock went back. */
  private saw(now: number): void {
    if (now < this.seenAt) {
      this.realignDue = true;
      // Slots from now on pass while this daemon runs (missedBecause should not blame a stopped daemon).
      this.startedAt = Math.min(this.startedAt, now);
    }
    this.seenAt = now;
  }

  /**
   * A schedule not due yet, when the clock may have gone back: answers its next slot, moving next_at back to
   * the first slot after now when it is later than that (guarded by the next_at read); 'retry' when the
   * database refused.
   */
  private async realign(row: ScheduleRow, now: number, realign: Realign): Promise<number | 'retry'> {
    let next: number | null;
    try {
      next = cronSlots(row.cron, row.tz).nextAfter(now);
    } catch {
      return row.next_at; // Not this pass's business: fire() gives up on it (logged) when its slot comes.
    }
    if (next === null || next >= row.next_at) return row.next_at;
    try {
      if (!(await this.options.store.realignSchedule({ id: row.id, expected: row.next_at, next }))) return now; // changed meanwhile: look again
    } catch (err) {
      if (!isStorageError(err)) return this.giveUp(row, `moving its next run back failed: ${stackOf(err)}`);
      this.faulted(`the database refused (${messageOf(err)})`, now);
      return 'retry';
    }
    realign.moved.push({ id: row.id, from: row.next_at, to: next });
    return next;
  }

  /** One line for every pass that moved next runs back. */
  private logRealigned(realign: Realign, now: number): void {
    const { moved } = realign;
    if (moved.length === 0) return;
    const named = moved.slice(0, REALIGN_NAMED).map((m) => `${m.id} from ${iso(m.from)} to ${iso(m.to)}`);
    const more = moved.length > REALIGN_NAMED ? ` and ${moved.length - REALIGN_NAMED} more` : '';
    this.options.log(
      `schedules: the clock went back (it is now ${iso(now)}); moved the next run of ${moved.length} schedule(s) back: ${named.join(', ')}${more}; a slot that had its job already gets no second one`,
    );
  }

  /**
   * Fires one due schedule for the latest slot that passed. Answers its next slot, 'retry' when the database
   * refused the write, or Infinity when it cannot fire at all.
   */
  private async fire(row: ScheduleRow, now: number): Promise<number | 'retry'> {
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
      job = validateSpec(JSON.parse(row.spec) as unknown, this.options.settings, now, {
        env: await this.options.store.environment(row.env_id),
        umask: row.umask,
      });
    } catch (err) {
      refused = messageOf(err);
    }
    let result: FiringResult;
    try {
      result = await this.options.store.fireSchedule({ id: row.id, expected: row.next_at, slot, next, job }, now);
    } catch (err) {
      if (!isStorageError(err)) return this.giveUp(row, `firing failed: ${stackOf(err)}`);
      this.faulted(`the database refused (${messageOf(err)})`, now);
      return 'retry';
    }
    if (result.outcome === 'stale') return next;
    if (result.outcome === 'overlap') {
      this.overlapSkipped(row, slot, result.jobId, result.state, now);
      return next;
    }
    this.overlapEnded(row.id);
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

  /**
   * Overlap 'skip' passed over a slot: the first slot skipped for a job is logged (with the slots missed before
   * it, if any); the next ones are counted and summed up once the schedule fires again (overlapEnded).
   */
  private overlapSkipped(row: ScheduleRow, slot: number, jobId: string, state: string, now: number): void {
    const open = this.overlapped.get(row.id);
    if (open !== undefined && open.jobId === jobId) {
      open.last = slot;
      open.count++;
      return;
    }
    this.overlapEnded(row.id);
    this.overlapped.set(row.id, { jobId, first: slot, last: slot, count: 1 });
    const why = `job ${jobId} has not ended (${state}); with overlap skip its next slots are skipped too until it ends`;
    if (slot > row.next_at) {
      this.options.log(`schedule ${row.id}: the slots from ${iso(row.next_at)} to ${iso(slot)} were missed (${this.missedBecause(row.next_at)}); the latest, ${iso(slot)}, skipped: ${why}`);
    } else {
      this.options.log(`schedule ${row.id}: slot ${iso(slot)} skipped, ${why}${now - slot > LATE_MS ? ` (it came ${formatDuration(now - slot)} late: ${this.missedBecause(slot)})` : ''}`);
    }
  }

  /** The schedule fired (or passed a slot otherwise): sums up the slots overlap skipped before, if more than the one logged. */
  private overlapEnded(id: string): void {
    const open = this.overlapped.get(id);
    if (open === undefined) return;
    this.overlapped.delete(id);
    if (open.count > 1) {
      this.options.log(`schedule ${id}: ${open.count} slots from ${iso(open.first)} to ${iso(open.last)} were skipped while job ${open.jobId} had not ended`);
    }
  }

  /** One line when slots were skipped or the slot fired late; nothing for a firing on time. */
  private logMissed(row: ScheduleRow, slot: number, now: number): void {
    if (slot > row.next_at) {
      this.options.log(`schedule ${row.id}: the slots from ${iso(row.next_at)} to ${iso(slot)} were missed (${this.missedBecause(row.next_at)}); fired once, for ${iso(slot)}`);
    } else if (now - slot > LATE_MS) {
      this.options.log(`schedule ${row.id}: fired ${formatDuration(now - slot)} late for the slot of ${iso(slot)} (${this.missedBecause(slot)})`);
    }
  }

  /** Why a slot from `from` on was not fired in time, as far as this loop knows. */
  private missedBecause(from: number): string {
    if (from < this.startedAt) return 'the daemon was not running';
    if (this.faultSeenAt >= from) return 'the database refused writes';
    return 'the machine slept, or the clock jumped ahead';
  }

  private giveUp(row: ScheduleRow, why: string): number {
    this.stuck.add(row.id);
    this.options.log(`schedule ${row.id} cannot fire: ${why}; it is left alone until the daemon restarts (queuectl schedule remove ${row.id} deletes it)`);
    return Infinity;
  }

  private faulted(message: string, now: number): void {
    this.faultSeenAt = now;
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
      void this.check();
    });
  }
}

/** The next runs one pass moved back after the clock went back. */
interface Realign {
  moved: Array<{ id: string; from: number; to: number }>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function stackOf(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
