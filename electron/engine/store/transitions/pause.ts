import type Database from 'better-sqlite3';
import { DEFAULT_QUEUE, type ResumedAll } from '../../../../protocol/index.js';

/** The pause state of the switch that holds every queue: paused since `since` (ms), or running (null). */
export interface PauseState {
  paused: boolean;
  since: number | null;
}

/**
 * Pauses or resumes every queue at once (the pause_all row; named queues have their own switch in
 * `queues`): one guarded statement each way, so pausing a paused queue keeps its original time. Returns the
 * state after the call.
 */
export function preparePause(db: Database.Database) {
  const pause = db.prepare<[number]>(`UPDATE pause_all SET paused = 1, paused_at = ? WHERE id = 1 AND paused = 0`);
  const resume = db.prepare(`UPDATE pause_all SET paused = 0, paused_at = NULL WHERE id = 1 AND paused = 1`);
  const read = db.prepare<[], { paused: number; paused_at: number | null }>(`SELECT paused, paused_at FROM pause_all WHERE id = 1`);
  const pausedQueues = db.prepare<[], { name: string }>(`SELECT name FROM queues WHERE paused = 1 ORDER BY name <> '${DEFAULT_QUEUE}', name`);
  const resumeQueues = db.prepare(`UPDATE queues SET paused = 0, paused_at = NULL, paused_reason = NULL WHERE paused = 1`);
  const state = (): PauseState => {
    const row = read.get();
    return { paused: row?.paused === 1, since: row?.paused_at ?? null };
  };
  return {
    setPaused: db.transaction((paused: boolean, now: number): PauseState => {
      if (paused) pause.run(now);
      else resume.run();
      return state();
    }),
    pauseState: state,

    /**
     * `resume --all`: lifts the switch over every queue and each named queue's own pause (its reason too) in
     * one transaction. Answers what was paused before: the switch, and the named queues (`default` first).
     */
    resumeEverything: db.transaction((): ResumedAll => {
      const all = resume.run().changes === 1;
      const queues = pausedQueues.all().map((q) => q.name);
      resumeQueues.run();
      return { all, queues };
    }),
  };
}
