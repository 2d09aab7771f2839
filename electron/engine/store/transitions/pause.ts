import type Database from 'better-sqlite3';

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
  };
}
