import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toSchedule } from '../../store/schedule-rows.js';
import { onlyFields } from '../only-fields.js';
import { asParams } from '../params.js';
import { checkScheduleFields, SCHEDULE_FIELDS } from '../schedule-fields.js';

/**
 * Adds a recurring schedule (committed before the answer, with its queue's row) and re-arms the cron loop.
 * An identical schedule (same cron, zone, job and overlap) is answered instead, with created false; nothing
 * is stored twice. Refused (SHUTTING_DOWN) once a graceful stop began: the cron loop has stopped already.
 * The environment and umask are stored beside the spec (not part of what makes two schedules identical).
 */
export async function scheduleAdd(ctx: EngineContext, raw: unknown): Promise<ResultOf<'schedule.add'>> {
  if (ctx.stopping()) throw new QueueError('SHUTTING_DOWN', 'the daemon is stopping; the schedule was not added. Add it again once the daemon runs');
  const now = Date.now();
  const p = asParams(raw);
  onlyFields(p, 'schedule.add', SCHEDULE_FIELDS);
  const { slots, env, ...checked } = checkScheduleFields(p, ctx.settings, now);
  const { row, created, queueCreated } = await ctx.store.addSchedule({ ...checked, env: env ?? null, next_at: slots.nextAfter(now)! }, now);
  const schedule = toSchedule(row);
  if (queueCreated) ctx.queuesChanged();
  if (created) {
    ctx.log(
      `schedule ${row.id} added: ${JSON.stringify(row.cron)}${row.tz === null ? '' : ` (${row.tz})`} in queue ${schedule.queue}, overlap ${row.overlap}, next at ${schedule.next_at}`,
    );
    ctx.schedulesChanged();
  }
  return { schedule, created };
}
