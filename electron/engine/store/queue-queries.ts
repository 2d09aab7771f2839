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

/** The named queues with their settings and per-state counts (DEFAULT_QUEUE first, then by name). */
export function prepareQueueQueries(db: Database.Database) {
  const rows = db.prepare<[], QueueRow>(`SELECT name, paused, paused_at, paused_reason, parallel, pause_on_dead FROM queues ORDER BY name <> '${DEFAULT_QUEUE}', name`);
  const one = db.prepare<[string], QueueRow>(`SELECT name, paused, paused_at, paused_reason, parallel, pause_on_dead FROM queues WHERE name = ?`);
  /** Kept by triggers (migration 0007): a few rows, however many jobs. */
  const counts = db.prepare<[], { queue: string; state: JobState; n: number }>(`SELECT queue, state, n FROM queue_state_counts`);
  const countsOf = db.prepare<[string], { state: JobState; n: number }>(`SELECT state, n FROM queue_state_counts WHERE queue = ?`);

  const zero = (): Record<JobState, number> => Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const info = (row: QueueRow, c: Record<JobState, number>): QueueInfo => ({
    name: row.name,
    paused: row.paused === 1,
    paused_since: row.paused_at === null ? null : new Date(row.paused_at).toISOString(),
    paused_reason: row.paused === 1 ? row.paused_reason : null,
    parallel: row.parallel,
    pause_on_dead: row.pause_on_dead === 1,
    counts: c,
  });

  return {
    /** Every queue with its counts. */
    queueInfos(): QueueInfo[] {
      const byQueue = new Map<string, Record<JobState, number>>();
      for (const { queue, state, n } of counts.all()) {
        let c = byQueue.get(queue);
        if (!c) byQueue.set(queue, (c = zero()));
        c[state] = n;
      }
      return rows.all().map((row) => info(row, byQueue.get(row.name) ?? zero()));
    },
    /** One queue with its counts, or null when no job or setting ever named it. */
    queueInfo(name: string): QueueInfo | null {
      const row = one.get(name);
      if (!row) return null;
      const c = zero();
      for (const { state, n } of countsOf.all(name)) c[state] = n;
      return info(row, c);
    },
  };
}
