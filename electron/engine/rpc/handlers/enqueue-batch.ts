import { MAX_BATCH_JOBS, QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { validateSpec } from '../../job-spec.js';
import type { NewJob } from '../../store/transitions/enqueue.js';
import { asParams } from '../params.js';
import { refuseIdsInUse } from './enqueue.js';

/**
 * Stores a batch of jobs in one transaction (all or none), then announces it once (subscribers re-read, the
 * scheduler wakes). Chosen ids of removed jobs have those jobs' logs deleted first, as in `enqueue`.
 */
export function enqueueBatch(ctx: EngineContext, raw: unknown): ResultOf<'enqueue.batch'> | Promise<ResultOf<'enqueue.batch'>> {
  const { jobs } = asParams(raw);
  if (!Array.isArray(jobs)) throw new QueueError('INVALID_ARGUMENT', 'jobs must be an array of job specs');
  if (jobs.length > MAX_BATCH_JOBS) throw new QueueError('INVALID_ARGUMENT', `at most ${MAX_BATCH_JOBS} jobs per batch, got ${jobs.length}`);
  const valid: NewJob[] = jobs.map((spec, index) => {
    try {
      return validateSpec(spec, ctx.settings);
    } catch (err) {
      if (err instanceof QueueError) throw new QueueError(err.code, `job ${index + 1} of the batch: ${err.message}`, { index });
      throw err;
    }
  });
  const chosen = valid.flatMap((job) => (job.id === null ? [] : [job.id]));
  return ctx.jobLogs.beforeEnqueue(chosen, () => {
    if (chosen.length > 0) refuseIdsInUse(ctx, valid.map((job) => job.id), true);
    const ids = ctx.store.enqueueMany(valid, Date.now());
    if (ids.length) ctx.changedMany();
    return { ids };
  });
}
