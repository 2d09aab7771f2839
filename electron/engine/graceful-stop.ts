import { formatDuration } from '../../protocol/index.js';
import type { Pool } from './pool.js';
import type { Scheduler } from './scheduler.js';

/** What a graceful stop works through, in order. */
export interface StopParts {
  pool: Pool;
  scheduler: Scheduler;
  log: (message: string) => void;
  /** When running jobs get killed and requeued; a later, shorter stop request moves it closer. */
  deadline: () => number;
}

/** How long killed jobs get to exit, and workers to leave, before the stop moves on. */
const KILL_WAIT_MS = 5000;
const WORKER_EXIT_MS = 3000;

/**
 * Takes no new jobs; lets running jobs finish until the deadline; then kills their process trees and puts
 * them back to pending without spending an attempt; lets the workers go; writes every run result it can.
 * A run that asked for this stop itself (daemon.stop's job_id) is not waited for: once the others are done
 * it is killed and ends as a failed attempt (retried with backoff, or dead), never a free requeue.
 */
export async function drainForStop({ pool, scheduler, log, deadline }: StopParts): Promise<void> {
  scheduler.halt();
  // A step under way may still launch what it claimed: those runs are waited for like the others.
  await scheduler.settled();
  log(`stopping: ${pool.busyCount()} running job(s) get ${formatDuration(Math.max(0, deadline() - Date.now()))} to finish`);
  await waitUntil(() => pool.running().every((job) => job.stopRequester), deadline);
  const left = pool.running();
  if (left.length) {
    const requeued = left.filter((job) => !job.stopRequester);
    if (requeued.length) log(`stop timeout: killing and requeuing ${requeued.map((j) => j.jobId).join(', ')}`);
    for (const job of left) pool.kill(job.jobId, job.stopRequester ? 'stopped_own_daemon' : 'requeued');
    const killDeadline = Date.now() + KILL_WAIT_MS;
    await waitUntil(() => pool.busyCount() === 0, () => killDeadline);
  }
  await pool.shutdown(WORKER_EXIT_MS);
  if (!(await scheduler.flushUnrecorded())) {
    log(`${scheduler.unrecordedCount} run result(s) could not be written; start-up recovery will retry those jobs`);
  }
}

/** Polls `done` until it holds or the (movable) deadline passes. */
async function waitUntil(done: () => boolean, deadline: () => number): Promise<void> {
  while (!done() && Date.now() < deadline()) await new Promise((r) => setTimeout(r, 25));
}
