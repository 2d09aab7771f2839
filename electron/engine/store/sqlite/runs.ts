import type { RunStore, SchedulerStep, StepDone } from '../api.js';
import type { Store } from '../index.js';
import { withoutFsync } from '../relaxed.js';

/** The scheduler's side of runs: its step, single claims and finishes, start-up recovery, the finish hook's read. */
export function runStore(s: Store): RunStore {
  /**
   * Process groups, then every result (before any claim: children of a dead parent must not start, nor jobs
   * of a queue its death pauses), then a claim per idle worker until none is due. The hot path: nothing here
   * but the statements and the answer.
   */
  const transact = s.db.transaction((step: SchedulerStep): StepDone => {
    const done: StepDone = { changed: [], claims: [], pausedQueues: [] };
    for (const g of step.groups) s.recordPgid(g.jobId, g.attempt, g.pgid, g.identity);
    for (const { jobId, attempt, result } of step.results) {
      const row = s.finish(jobId, attempt, result, step.now, step.retryDelay);
      if (!row) continue;
      done.changed.push(row, ...s.settleDependents(row, step.now));
      if (row.state === 'dead' && s.pauseOnDead(row.queue, step.now, row.id)) done.pausedQueues.push({ queue: row.queue, jobId: row.id });
    }
    for (const workerId of step.idleWorkers) {
      const claimed = s.claim(workerId, step.now, step.held, step.begin);
      if (!claimed) break;
      done.changed.push(claimed.job);
      done.claims.push({ workerId, claimed });
    }
    return done;
  });
  // The run that just ended: its retry may already be claimed (running) in the same step.
  const lastFinished = s.db.prepare<[string], { n: number | null }>(`SELECT MAX(number) AS n FROM attempts WHERE job_id = ? AND outcome <> 'running'`);

  return {
    // Committed without fsync (relaxed.ts): losing it to a power cut only runs a job again.
    step: async (step) => withoutFsync(s.db, () => transact(step)),
    // The pause-all switch is the scheduler's to obey in a step (it has no idle workers while paused, and no
    // other process writes this file); a claim alone checks it, as PostgreSQL's claim does.
    claim: async (workerId, now, held, begin) => (s.pauseState().paused ? null : s.claim(workerId, now, held, begin)),
    finish: async (id, attempt, result, now, retryDelay) => s.finish(id, attempt, result, now, retryDelay),
    recover: async (now, retryDelay) => s.recover(now, retryDelay),
    lastFinishedAttempt: async (jobId) => lastFinished.get(jobId)?.n ?? null,
  };
}
