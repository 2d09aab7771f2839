import { QueueError, type JobState, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toJob } from '../../store/rows.js';
import { asParams, requireString } from '../params.js';

/**
 * Runs a failed, dead, canceled or completed job again from scratch: pending now, attempts 0, and a fresh
 * log (emptied here, after the commit and before anything can start the job; followers start again at 0).
 * Its attempt history is kept: the next run continues the numbering and heads the new log with it.
 */
export function jobRetry(ctx: EngineContext, raw: unknown): ResultOf<'job.retry'> {
  const id = ctx.store.resolveId(requireString(asParams(raw), 'id'));
  // A canceled run whose process tree is still being killed: a new run now would overlap the old one.
  const stillRunning = ctx.pool.running().some((run) => run.jobId === id);
  const row = stillRunning ? null : ctx.store.retryJob(id, Date.now());
  if (!row) {
    const state = ctx.store.getJob(id)?.state;
    throw new QueueError('INVALID_STATE', `job ${id} ${whyNot(state)}`, { id, state });
  }
  ctx.jobLogs.restart(id);
  ctx.changed(row);
  return { job: toJob(row, ctx.paths.logs), dependents: 0 };
}

function whyNot(state: JobState | undefined): string {
  switch (state) {
    case 'processing':
      return 'is processing: it is running now; cancel it first to run it again';
    case 'pending':
      return 'is pending: it will run anyway; nothing to retry';
    default:
      return `is ${state} and its processes are still being stopped; try again in a few seconds`;
  }
}
