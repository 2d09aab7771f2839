import { QueueError, type JobState, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toJob } from '../../store/rows.js';
import { asParams, optionalBool, requireString } from '../params.js';

/**
 * Runs a failed, dead, canceled or completed job again from scratch: pending now, attempts 0. Its attempt
 * history and its log are kept: the next run continues the numbering and appends its own section to the log,
 * headed by its number, with the whole `log_max_bytes` to itself.
 * Its children still waiting count it again; with_dependents brings back the jobs it had canceled by dying
 * or being canceled (transitively), in the same transaction; one of those left canceled because another
 * parent is dead or canceled now names that parent, and is announced too. A job whose parent is dead or canceled is
 * refused (the store says which parent to retry instead).
 */
export async function jobRetry(ctx: EngineContext, raw: unknown): Promise<ResultOf<'job.retry'>> {
  const params = asParams(raw);
  const id = await ctx.store.resolveId(requireString(params, 'id'));
  const withDependents = optionalBool(params, 'with_dependents');
  // A canceled run whose process tree is still being killed: a new run now would overlap the old one.
  const stillRunning = ctx.pool.running().some((run) => run.jobId === id);
  const now = Date.now();
  const done = stillRunning ? null : await ctx.store.retryJob(id, now, withDependents);
  if (!done) {
    const state = (await ctx.store.getJob(id))?.state;
    throw new QueueError('INVALID_STATE', `job ${id} ${whyNot(state)}`, { id, state });
  }
  for (const row of [done.row, ...done.held, ...done.restored]) ctx.changed(row);
  // Still canceled, now naming another parent: subscribers re-read (not ctx.changed: no new end, no on_finish).
  if (done.reblamed.length > 0) ctx.changedMany();
  return { job: toJob(done.row, ctx.paths.logs), dependents: done.restored.length };
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
