import type { Job } from './job.js';

/**
 * The one way a job's retry budget is shown (CLI `list`, `show`, the dashboard): runs used of runs allowed.
 * `attempts` counts failed runs only, so the run under way and the run that completed the job are added;
 * a dead job with max_retries 3 reads 4/4 everywhere. A manual retry resets the budget (attempts 0).
 */
export function runsUsed(job: Pick<Job, 'attempts' | 'state'>): number {
  return job.attempts + (job.state === 'processing' || job.state === 'completed' ? 1 : 0);
}

/** The most runs the job may make before it goes dead: the first run and max_retries retries. */
export function runsAllowed(job: Pick<Job, 'max_retries'>): number {
  return job.max_retries + 1;
}

/** "used/allowed", e.g. "2/4"; the column or field that shows it is labelled "runs". */
export function runsLabel(job: Pick<Job, 'attempts' | 'state' | 'max_retries'>): string {
  return `${runsUsed(job)}/${runsAllowed(job)}`;
}
