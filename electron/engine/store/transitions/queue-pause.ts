import type Database from 'better-sqlite3';
import type { JobRow } from '../rows.js';

/** What `queue.set` changes on a queue; a field left out stays as it is. */
export interface QueueSettings {
  /** Most jobs of the queue running at once (already checked: 1..QUEUE_LIMITS.parallel), null: no limit. */
  parallel?: number | null;
  pause_on_dead?: boolean;
}

/** Why pause_on_dead paused a queue, as `paused_reason` stores it and `queue list`/`status` show it. */
export function deadReason(jobId: string): string {
  return `job ${jobId} went dead`;
}

/** A queue pause_on_dead paused, and the job whose death did it. */
export interface PausedOnDead {
  queue: string;
  jobId: string;
}

/**
 * A named queue's own switches in the `queues` table: pause and resume, its settings, and the automatic
 * pause when one of its jobs goes dead. Every queue at once is pause.ts's pause_all. Each change is one
 * guarded statement (a second pause keeps the first paused_at and its paused_reason); claims read the table
 * (claim.ts). `paused_reason` says why a queue paused itself ("job x went dead"); a pause by hand stores
 * NULL, and every resume clears it.
 */
export function prepareQueuePause(db: Database.Database) {
  const pauseIfAsked = db.prepare<[number, string | null, string]>(
    `UPDATE queues SET paused = 1, paused_at = ?, paused_reason = ? WHERE name = ? AND pause_on_dead = 1 AND paused = 0`,
  );
  const fillReason = db.prepare<[string, string]>(
    `UPDATE queues SET paused_reason = ? WHERE name = ? AND paused = 1 AND pause_on_dead = 1 AND paused_reason IS NULL`,
  );
  const exists = db.prepare<[string], { name: string }>(`SELECT name FROM queues WHERE name = ?`);
  const pause = db.prepare<[number, string]>(`UPDATE queues SET paused = 1, paused_at = ?, paused_reason = NULL WHERE name = ? AND paused = 0`);
  const resume = db.prepare<[string]>(`UPDATE queues SET paused = 0, paused_at = NULL, paused_reason = NULL WHERE name = ? AND paused = 1`);
  const create = db.prepare<[string]>(`INSERT INTO queues (name) VALUES (?) ON CONFLICT (name) DO NOTHING`);
  const setParallel = db.prepare<[number | null, string, number | null]>(
    `UPDATE queues SET parallel = ? WHERE name = ? AND parallel IS NOT ?`,
  );
  const setPauseOnDead = db.prepare<[number, string, number]>(
    `UPDATE queues SET pause_on_dead = ? WHERE name = ? AND pause_on_dead <> ?`,
  );

  /**
   * A job of `queue` went dead: pauses the queue if it asked for that (pause_on_dead), storing why
   * ("job <jobId> went dead"; without `jobId` no reason yet, see `notePausedOnDead`). True if it paused now.
   */
  const pauseOnDead = (queue: string, now: number, jobId?: string): boolean =>
    pauseIfAsked.run(now, jobId === undefined ? null : deadReason(jobId), queue).changes === 1;

  return {
    pauseOnDead,

    /**
     * Names the job in the reason of a queue pause_on_dead just paused when the caller had no job id to give
     * `pauseOnDead`; does nothing when a reason is stored already (or the queue is running again).
     */
    notePausedOnDead(queue: string, jobId: string): void {
      fillReason.run(deadReason(jobId), queue);
    },

    /**
     * Pauses or resumes one named queue. Null when no such queue exists (nothing is created: a typo must not
     * make a queue); `changed` false when it already was in that state (a paused queue keeps its paused_at).
     */
    setQueuePaused: db.transaction((name: string, paused: boolean, now: number): { changed: boolean } | null => {
      if (!exists.get(name)) return null;
      const changes = paused ? pause.run(now, name).changes : resume.run(name).changes;
      return { changed: changes === 1 };
    }),

    /**
     * Applies `queue.set`: creates the queue (default settings) when it does not exist, then changes only
     * the settings given. `changed`: some setting took a new value.
     */
    configureQueue: db.transaction((name: string, settings: QueueSettings): { created: boolean; changed: boolean } => {
      const created = create.run(name).changes === 1;
      let changed = false;
      if (settings.parallel !== undefined) changed = setParallel.run(settings.parallel, name, settings.parallel).changes === 1 || changed;
      if (settings.pause_on_dead !== undefined) {
        const flag = settings.pause_on_dead ? 1 : 0;
        changed = setPauseOnDead.run(flag, name, flag).changes === 1 || changed;
      }
      return { created, changed };
    }),

    /**
     * pause_on_dead for jobs that went dead outside the scheduler (start-up recovery): one transaction;
     * answers each queue paused now with the first job that did it.
     */
    pauseQueuesOnDead: db.transaction((rows: readonly JobRow[], now: number): PausedOnDead[] => {
      const paused: PausedOnDead[] = [];
      for (const row of rows) {
        if (row.state === 'dead' && pauseOnDead(row.queue, now, row.id)) paused.push({ queue: row.queue, jobId: row.id });
      }
      return paused;
    }),
  };
}
