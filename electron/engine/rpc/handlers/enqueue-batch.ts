import { MAX_BATCH_JOBS, QueueError, type CanceledAtEnqueue, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { checkEnv, checkUmask, validateSpec, type SpecDefaults } from '../../job-spec.js';
import type { JobRow } from '../../store/rows.js';
import type { NewJob } from '../../store/transitions/enqueue.js';
import { asParams } from '../params.js';
import { inBatch, resolveParents } from '../parents.js';
import { refuseIdsInUse } from './enqueue.js';

/**
 * Stores a batch of jobs in one transaction (all or none), then announces it once (subscribers re-read, the
 * scheduler wakes). Chosen ids of removed jobs have those jobs' logs deleted first, as in `enqueue`. A job's
 * `after` may name jobs chosen earlier in the batch; the answer lists the jobs stored already canceled
 * because a parent was dead or canceled, and each of those is announced on its own too (job event, on_finish).
 * The batch's `env` and `umask` are checked once and given to every job that leaves its own out.
 */
export function enqueueBatch(ctx: EngineContext, raw: unknown): ResultOf<'enqueue.batch'> | Promise<ResultOf<'enqueue.batch'>> {
  const { jobs, env, umask } = asParams(raw);
  const defaults: SpecDefaults = {
    env: env === undefined ? null : checkEnv(env),
    ...(umask === undefined ? {} : { umask: checkUmask(umask) }),
  };
  if (!Array.isArray(jobs)) throw new QueueError('INVALID_ARGUMENT', 'jobs must be an array of job specs');
  if (jobs.length > MAX_BATCH_JOBS) throw new QueueError('INVALID_ARGUMENT', `at most ${MAX_BATCH_JOBS} jobs per batch, got ${jobs.length}`);
  const valid: NewJob[] = jobs.map((spec, index) => {
    try {
      return validateSpec(spec, ctx.settings, undefined, defaults);
    } catch (err) {
      if (err instanceof QueueError) throw new QueueError(err.code, `${inBatch(index)}: ${err.message}`, { index });
      throw err;
    }
  });
  const chosen = valid.flatMap((job) => (job.id === null ? [] : [job.id]));
  return ctx.jobLogs.beforeEnqueue(chosen, () => {
    if (chosen.length > 0) refuseIdsInUse(ctx, valid.map((job) => job.id), true);
    const resolved = resolveParents(ctx.store, valid, inBatch);
    const ids = ctx.store.enqueueMany(resolved, Date.now());
    if (ids.length) ctx.changedMany();
    const canceled = canceledAtEnqueue(ctx, resolved, ids);
    // Each went into canceled: announced one by one, as a single enqueue's would be (job event, on_finish).
    for (const row of canceled) ctx.changed(row);
    return { ids, canceled: canceled.map((row): CanceledAtEnqueue => ({ id: row.id, error: row.last_error ?? 'canceled' })) };
  });
}

/** The jobs of the batch that have parents and were stored canceled (a parent already dead or canceled). */
function canceledAtEnqueue(ctx: EngineContext, jobs: NewJob[], ids: string[]): JobRow[] {
  const canceled: JobRow[] = [];
  jobs.forEach((job, index) => {
    if (!job.after || job.after.length === 0) return;
    const row = ctx.store.getJob(ids[index]!);
    if (row?.state === 'canceled' && row.canceled_by !== null) canceled.push(row);
  });
  return canceled;
}
