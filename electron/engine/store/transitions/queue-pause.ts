import type Database from 'better-sqlite3';

/** A named queue's own pause switch (the queues table); every queue at once is pause.ts's pause_all. */
export function prepareQueuePause(db: Database.Database) {
  const pauseIfAsked = db.prepare<[number, string]>(
    `UPDATE queues SET paused = 1, paused_at = ? WHERE name = ? AND pause_on_dead = 1 AND paused = 0`,
  );
  return {
    /** A job of `queue` went dead: pauses the queue if it asked for that (pause_on_dead). True if it paused now. */
    pauseOnDead: (queue: string, now: number): boolean => pauseIfAsked.run(now, queue).changes === 1,
  };
}
