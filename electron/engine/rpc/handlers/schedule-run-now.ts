import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { validateSpec } from '../../job-spec.js';
import { toJob } from '../../store/rows.js';
import { toSchedule } from '../../store/schedule-rows.js';
import { namedSchedule } from './schedule-pause.js';

/**
 * Enqueues one job from a schedule now (also while it is paused), outside its slots: its next run stays.
 * The job is checked as a firing checks it (with the config's defaults of now) and becomes the schedule's
 * last job, so with overlap 'skip' the next slot waits for it to end.
 */
export async function scheduleRunNow(ctx: EngineContext, raw: unknown): Promise<ResultOf<'schedule.run_now'>> {
  const row = await namedSchedule(ctx, raw, 'schedule.run_now');
  const now = Date.now();
  const env = await ctx.store.environment(row.env_id);
  let job;
  try {
    job = validateSpec(JSON.parse(row.spec) as unknown, ctx.settings, now, { env, umask: row.umask });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new QueueError('INVALID_STATE', `schedule ${row.id}'s job no longer passes the checks (${why}); edit it (queuectl schedule edit ${row.id})`, { id: row.id });
  }
  const created = await ctx.store.runScheduleNow(row.id, job, now);
  ctx.log(`schedule ${row.id}: run now enqueued job ${created.id}`);
  ctx.changed(created);
  // Removed in the moment since: answered as it was, as schedule.remove answers it.
  const after = await ctx.store.getSchedule(row.id);
  return { schedule: toSchedule(after ?? row), job: toJob(created, ctx.paths.logs) };
}
