import type { Job } from '../../../../protocol/job.js';
import { plural, timeLeft } from '../../lib/format.js';

/**
 * What an empty log that is still open says. Only a run under way is "waiting for output"; a job that has
 * not run (or waits for its next run) says when it will run or what holds it, as its state badge does.
 */
export function idleNote(
  job: Pick<Job, 'state' | 'run_at' | 'waiting_on'>,
  hasRun: boolean,
  queuePaused: boolean,
  now: number,
): string {
  // A run under way, or one that just ended (a canceled run's processes may still write) while the log is read to its end.
  if (job.state !== 'pending' && job.state !== 'failed') return 'Waiting for output…';
  const lead = hasRun ? 'Not running now' : 'Not started yet';
  const ahead = Date.parse(job.run_at) - now;
  if (job.state === 'pending' && job.waiting_on > 0) return `${lead} — waiting on ${plural(job.waiting_on, 'job')} to complete.`;
  if (ahead > 1000) return `${lead} — ${job.state === 'failed' ? 'retry' : 'runs'} in ${timeLeft(ahead)}.`;
  if (queuePaused) return `${lead} — its queue is paused.`;
  return `${lead} — it starts when a worker is free.`;
}
