import { MAX_BATCH_JOBS, MAX_HELD_JOBS, QueueError, type CanceledAtEnqueue, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { checkEnv, checkUmask, validateSpec, type SpecDefaults } from '../../job-spec.js';
import type { JobRow } from '../../store/rows.js';
import type { NewJob } from '../../store/transitions/enqueue.js';
import { asParams } from '../params.js';
import { inBatch, resolveParents } from '../parents.js';
import type { Session } from '../session.js';
import { refuseIdsInUse } from './enqueue.js';

/** Jobs checked and held by `more` calls, per client, until its call without `more` stores them all. */
const held = new WeakMap<Session, NewJob[]>();

/**
 * Stores a batch of jobs in one transaction (all or none), then announces it once (subscribers re-read, the
 * scheduler wakes). With `more`, the jobs are only checked and held for the session's next call, so a client
 * can store more than MAX_BATCH_JOBS all or none; any error drops what was held. Chosen ids of removed jobs
 * have those jobs' logs deleted first, as in `enqueue`. A job's `after` may name jobs chosen earlier in the
 * batch; the answer lists the jobs stored already canceled because a parent was dead or canceled, and each
 * of those is announced on its own too (job event, on_finish). The batch's `env` and `umask` are checked
 * once and given to every job that leaves its own out.
 */
export async function enqueueBatch(ctx: EngineContext, raw: unknown, session: Session): Promise<ResultOf<'enqueue.batch'>> {
  const before = held.get(session) ?? [];
  held.delete(session);
  const { jobs, env, umask, more } = asParams(raw);
  const defaults: SpecDefaults = {
    env: env === undefined ? null : checkEnv(env),
    ...(umask === undefined ? {} : { umask: checkUmask(umask) }),
  };
  if (!Array.isArray(jobs)) throw new QueueError('INVALID_ARGUMENT', 'jobs must be an array of job specs');
  if (jobs.length > MAX_BATCH_JOBS) throw new QueueError('INVALID_ARGUMENT', `at most ${MAX_BATCH_JOBS} jobs per batch, got ${jobs.length}`);
  if (more !== undefined && typeof more !== 'boolean') throw new QueueError('INVALID_ARGUMENT', 'more must be true or false');
  if (before.length + jobs.length > MAX_HELD_JOBS) {
    throw new QueueError('INVALID_ARGUMENT', `at most ${MAX_HELD_JOBS} jobs in one all-or-nothing enqueue; nothing was stored (split the input)`);
  }
  const valid: NewJob[] = before.concat(
    jobs.map((spec, i) => {
      const index = before.length + i;
      try {
        return validateSpec(spec, ctx.settings, undefined, defaults);
      } catch (err) {
        if (err instanceof QueueError) throw new QueueError(err.code, `${inBatch(index)}: ${err.message}`, { index });
        throw err;
      }
    }),
  );
  if (more === true) {
    held.set(session, valid);
    return { ids: [], canceled: [] };
  }
  const chosen = valid.flatMap((job) => (job.id === null ? [] : [job.id]));
  refuseRepeatedIds(valid);
  return await ctx.jobLogs.beforeEnqueue(chosen, async () => {
    if (chosen.length > 0) await refuseIdsInUse(ctx, valid.map((job) => job.id), true);
    const resolved = await resolveParents(ctx.store, valid, inBatch);
    const ids = await storeAll(ctx, resolved);
    if (ids.length) ctx.changedMany();
    const canceled = await canceledAtEnqueue(ctx, resolved, ids);
    // Each went into canceled: announced one by one, as a single enqueue's would be (job event, on_finish).
    for (const row of canceled) ctx.changed(row);
    return { ids, canceled: canceled.map((row): CanceledAtEnqueue => ({ id: row.id, error: row.last_error ?? 'canceled' })) };
  });
}

/** An id chosen twice in one batch is refused naming both jobs (the store would only name the id). */
function refuseRepeatedIds(jobs: NewJob[]): void {
  const first = new Map<string, number>();
  jobs.forEach((job, index) => {
    if (job.id === null) return;
    const earlier = first.get(job.id);
    if (earlier === undefined) return void first.set(job.id, index);
    throw new QueueError('DUPLICATE_ID', `${inBatch(index)}: a job with id "${job.id}" exists already: ${inBatch(earlier)}`, { id: job.id, index, target: earlier });
  });
}

/** Stores the batch; a chosen id already stored is refused naming its job of the batch. */
async function storeAll(ctx: EngineContext, jobs: NewJob[]): Promise<string[]> {
  try {
    return await ctx.store.enqueueMany(jobs, Date.now());
  } catch (err) {
    if (!(err instanceof QueueError) || err.code !== 'DUPLICATE_ID' || 'index' in err.details) throw err;
    const index = jobs.findIndex((job) => job.id === err.details.id);
    throw index === -1 ? err : new QueueError(err.code, `${inBatch(index)}: ${err.message}`, { ...err.details, index });
  }
}

/** The jobs of the batch that have parents and were stored canceled (a parent already dead or canceled). */
async function canceledAtEnqueue(ctx: EngineContext, jobs: NewJob[], ids: string[]): Promise<JobRow[]> {
  const canceled: JobRow[] = [];
  for (const [index, job] of jobs.entries()) {
    if (!job.after || job.after.length === 0) continue;
    const row = await ctx.store.getJob(ids[index]!);
    if (row?.state === 'canceled' && row.canceled_by !== null) canceled.push(row);
  }
  return canceled;
}
