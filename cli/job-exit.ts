import { constants } from 'node:os';
import type { Attempt, Job } from '../protocol/index.js';
import type { RpcClient } from '../protocol/node/client.js';
import type { Target } from './wait-for-jobs.js';

/**
 * How an awaited or followed job ended, as the exit code of `wait`, `enqueue --wait`, `logs --follow` and
 * `enqueue --follow`, and as one line for people.
 */

/**
 * Exit codes of `wait`, `enqueue --wait`, `logs --follow` and `enqueue --follow` besides the job's own
 * (`queuectl wait --help` and docs/cli.md document the whole table).
 */
export const WAIT_EXIT = {
  /** The --timeout passed before every job ended (as timeout(1) does). */
  timeout: 124,
  /** The one job awaited was removed (or replaced by a new job of that id) before it was seen to end. */
  removed: 125,
  /** Ctrl-C. */
  interrupted: 130,
} as const;

/**
 * The exit code that stands for how one job ended: 0 completed; dead: the exit code of its last run, or
 * 128 + N when a signal N killed it (a shell's convention; a job killed for its own timeout gets SIGTERM,
 * so 143), else 1 (it crashed, could not start, or was interrupted); canceled: 1.
 */
export function jobExitCode(job: Job, attempts: readonly Attempt[] | null): number {
  if (job.state === 'completed') return 0;
  if (job.state === 'canceled') return 1;
  const last = attempts ? [...attempts].reverse().find((a) => a.outcome !== 'running') : undefined;
  return last ? runExitCode(last.exit_code, last.signal) : runExitCode(job.exit_code, null);
}

/** A failed run's exit code as a shell reports it: its own, else 128 + the signal's number, else 1. */
export function runExitCode(exitCode: number | null, signal: string | null): number {
  if (exitCode !== null && exitCode !== 0) return exitCode;
  const number = signal ? (constants.signals as Record<string, number | undefined>)[signal] : undefined;
  return number !== undefined ? 128 + number : 1;
}

/**
 * The exit code of one job that was seen to end: reads its last run when the job itself does not say it
 * (killed by a signal). If the job was retried since and its run history no longer ends with that run,
 * the job row seen at its end decides.
 */
export async function exitCodeOfEnded(client: RpcClient, job: Job): Promise<number> {
  if (job.state !== 'dead' || (job.exit_code !== null && job.exit_code !== 0)) return jobExitCode(job, null);
  try {
    const shown = await client.call('show', { id: job.id });
    const stillThatRun = shown.job.id === job.id && shown.job.created_at === job.created_at && shown.job.state === 'dead';
    return jobExitCode(job, stillThatRun ? shown.attempts : null);
  } catch {
    return jobExitCode(job, null);
  }
}

/** One line about how a job ended, for people: `abc12345 dead (exit 7)`. */
export function describeEnd(t: Target): string {
  if (t.end === 'removed') return `${t.id} removed while waiting; how it ended is unknown`;
  const job = t.job;
  if (!job) return `${t.id} not finished`;
  if (t.end === null) return `${t.id} not finished (${job.state})`;
  if (job.state === 'dead') {
    if (job.exit_code !== null && job.exit_code !== 0) return `${job.id} dead (exit ${job.exit_code})`;
    return job.last_error ? `${job.id} dead (${job.last_error})` : `${job.id} dead`;
  }
  return `${job.id} ${job.state}`;
}
