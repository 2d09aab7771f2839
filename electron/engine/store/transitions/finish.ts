import type Database from 'better-sqlite3';
import type { AttemptOutcome } from '../../../../protocol/index.js';
import type { JobRow } from '../rows.js';
import { SPEND_ATTEMPT } from './spend-attempt.js';

/** How a run ended, as the pool reports it. */
export interface RunResult {
  outcome: Exclude<AttemptOutcome, 'running' | 'interrupted' | 'canceled'>;
  exitCode: number | null;
  signal: string | null;
  error: string | null;
  /** The run's last line of output, its summary (logs/last-line.ts); null or absent for completed runs. */
  lastLine?: string | null;
}

/**
 * Closes a run and moves its job on:
 * - completed: processing → completed;
 * - failed, timed_out, crashed: one more failed attempt; processing → failed with run_at = now + delay(n),
 *   or → dead when attempts would exceed max_retries;
 * - requeued (graceful stop ran out of time): processing → pending, no attempt spent.
 * A job that is no longer processing (canceled meanwhile) keeps its state; only the attempt row is closed.
 * `retryDelay(n)` gives the backoff before retry n.
 */
export function prepareFinish(db: Database.Database) {
  const closeAttempt = db.prepare(`
    UPDATE attempts SET finished_at = @now, outcome = @outcome, exit_code = @exitCode, signal = @signal, error = @error,
      last_line = @lastLine
    WHERE job_id = @id AND number = @attempt AND outcome = 'running'`);
  const complete = db.prepare<unknown[], JobRow>(`
    UPDATE jobs SET state = 'completed', exit_code = @exitCode, last_error = NULL, last_line = @lastLine, finished_at = @now,
      updated_at = @now, worker_id = NULL
    WHERE id = @id AND state = 'processing' RETURNING *`);
  const fail = db.prepare<unknown[], JobRow>(`
    UPDATE jobs SET ${SPEND_ATTEMPT},
      exit_code = @exitCode, last_error = @error, last_line = @lastLine, finished_at = @now, updated_at = @now, worker_id = NULL
    WHERE id = @id AND state = 'processing' RETURNING *`);
  const requeue = db.prepare<unknown[], JobRow>(`
    UPDATE jobs SET state = 'pending', run_at = @now, finished_at = @now, updated_at = @now, worker_id = NULL,
      last_error = @error, last_line = @lastLine
    WHERE id = @id AND state = 'processing' RETURNING *`);
  const peekAttempts = db.prepare<[string], { attempts: number }>(`SELECT attempts FROM jobs WHERE id = ?`);

  return db.transaction(
    (id: string, attempt: number, result: RunResult, now: number, retryDelay: (n: number) => number): JobRow | null => {
      const params = { id, attempt, now, outcome: result.outcome, exitCode: result.exitCode, signal: result.signal, error: result.error, lastLine: result.lastLine ?? null };
      closeAttempt.run(params);
      switch (result.outcome) {
        case 'completed':
          return complete.get(params) ?? null;
        case 'requeued':
          return requeue.get(params) ?? null;
        case 'failed':
        case 'timed_out':
        case 'crashed': {
          const current = peekAttempts.get(id);
          const delay = current ? retryDelay(current.attempts + 1) : 0;
          return fail.get({ ...params, delay }) ?? null;
        }
        default: {
          const never: never = result.outcome;
          throw new Error(`unknown outcome ${String(never)}`);
        }
      }
    },
  );
}
