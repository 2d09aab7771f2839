import type Database from 'better-sqlite3';
import { DEFAULT_QUEUE, JOB_STATES, type JobState, type QueueInfo } from '../../../protocol/index.js';

/** A row of the queues table. */
export interface QueueRow {
  name: string;
  /** 1 while this queue is paused. */
  paused: number;
  /** When it was paused (ms), null while running. */
  paused_at: number | null;
  /** Why, when not paused by hand ("job x went dead"); null otherwise. */
  paused_reason: string | null;
  /** Most jobs running at once, null: no limit. */
  parallel: number | null;
  /** 1: pause the queue when one of its jobs goes dead. */
  pause_on_dead: number;
}

/** A number of jobs of one queue. */
interface QueueCount {
  queue: string;
  n: number;
}

/** The named queues with their settings, per-state counts, ready/scheduled split and latency (DEFAULT_QUEUE first, then by name). */
export function prepareQueueQueries(db: Database.Database) {
  const rows = db.prepare<[], QueueRow>(`SELECT name, paused, paused_at, paused_reason, parallel, pause_on_dead FROM queues ORDER BY name <> '${DEFAULT_QUEUE}', name`);
  const one = db.prepare<[string], QueueRow>(`SELECT name, paused, paused_at, paused_reason, parallel, pause_on_dead FROM queues WHERE name = ?`);
  /** Kept by triggers (migration 0007): a few rows, however many jobs. */
  const counts = db.prepare<[], { queue: string; state: JobState; n: number }>(`SELECT queue, state, n FROM queue_state_counts`);
  const countsOf = db.prepare<[string], { state: JobState; n: number }>(`SELECT state, n FROM queue_state_counts WHERE queue = ?`);
  /**
   * Waiting (pending or failed) jobs that cannot start yet, per queue: a run_at to come (delayed, or a retry in
   * backoff), read from jobs_waiting_run_at (0001) over the future part only, and a parent not completed,
   * from jobs_blocked (0013). Both sets are usually small; the ready ones, often the many, are never counted
   * one by one: ready = pending + failed - these.
   */
  const notDue = db.prepare<[{ now: number }], QueueCount>(`SELECT queue, COUNT(*) AS n FROM jobs INDEXED BY jobs_waiting_run_at
    WHERE state IN ('pending','failed') AND run_at > @now AND waiting_on = 0 GROUP BY queue`);
  const blocked = db.prepare<[], QueueCount>(`SELECT queue, COUNT(*) AS n FROM jobs INDEXED BY jobs_blocked
    WHERE state IN ('pending','failed') AND waiting_on > 0 GROUP BY queue`);
  /** The oldest ready job's run_at: the first entry of the queue in jobs_ready_age (0013), one seek. */
  const oldestReady = db.prepare<[{ now: number; queue: string }], { run_at: number }>(`SELECT run_at FROM jobs INDEXED BY jobs_ready_age
    WHERE state IN ('pending','failed') AND waiting_on = 0 AND queue = @queue AND run_at <= @now ORDER BY run_at LIMIT 1`);
  /** Each queue's scheduled (not ready) jobs at `now`. */
  function scheduledAt(now: number): (queue: string) => number {
    const by = new Map<string, number>();
    for (const { queue, n } of [...notDue.all({ now }), ...blocked.all()]) by.set(queue, (by.get(queue) ?? 0) + n);
    return (queue) => by.get(queue) ?? 0;
  }

  const zero = (): Record<JobState, number> => Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const info = (row: QueueRow, c: Record<JobState, number>, scheduled: number, now: number): QueueInfo => {
    const oldest = c.pending + c.failed - scheduled > 0 ? (oldestReady.get({ now, queue: row.name })?.run_at ?? null) : null;
    return toQueueInfo(row, c, scheduled, oldest, now);
  };

  return {
    /** Every queue with its counts; ready and latency as of `now`. */
    queueInfos(now = Date.now()): QueueInfo[] {
      const byQueue = new Map<string, Record<JobState, number>>();
      for (const { queue, state, n } of counts.all()) {
        let c = byQueue.get(queue);
        if (!c) byQueue.set(queue, (c = zero()));
        c[state] = n;
      }
      const scheduled = scheduledAt(now);
      return rows.all().map((row) => info(row, byQueue.get(row.name) ?? zero(), scheduled(row.name), now));
    },
    /** One queue with its counts, or null when no job or setting ever named it. */
    queueInfo(name: string, now = Date.now()): QueueInfo | null {
      const row = one.get(name);
      if (!row) return null;
      const c = zero();
      for (const { state, n } of countsOf.all(name)) c[state] = n;
      return info(row, c, scheduledAt(now)(name), now);
    },
  };
}

/** A queue as the protocol shows it, from its row, its per-state counts, its scheduled (not ready) jobs and its oldest ready job's run_at; the same for every store. */
export function toQueueInfo(row: QueueRow, counts: Record<JobState, number>, scheduled: number, oldest: number | null, now: number): QueueInfo {
  return {
    name: row.name,
    paused: row.paused === 1,
    paused_since: row.paused_at === null ? null : new Date(row.paused_at).toISOString(),
    paused_reason: row.paused === 1 ? row.paused_reason : null,
    parallel: row.parallel,
    pause_on_dead: row.pause_on_dead === 1,
    counts,
    ready: counts.pending + counts.failed - scheduled,
    scheduled,
    oldest_ready_at: oldest === null ? null : new Date(oldest).toISOString(),
    latency_ms: oldest === null ? 0 : Math.max(0, now - oldest),
  };
}
