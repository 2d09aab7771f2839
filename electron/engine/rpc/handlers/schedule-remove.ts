import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toSchedule } from '../../store/schedule-rows.js';
import { onlyFields } from '../only-fields.js';
import { asParams, requireString } from '../params.js';

/**
 * Deletes a schedule by id or unique prefix (SCHEDULE_NOT_FOUND, AMBIGUOUS_ID otherwise) and re-arms the
 * cron loop; jobs it enqueued already are left alone. Answers the schedule as it was.
 */
export async function scheduleRemove(ctx: EngineContext, raw: unknown): Promise<ResultOf<'schedule.remove'>> {
  const p = asParams(raw);
  onlyFields(p, 'schedule.remove', ['id']);
  const id = await ctx.store.resolveScheduleId(requireString(p, 'id'));
  const row = await ctx.store.removeSchedule(id);
  if (row === null) throw new QueueError('SCHEDULE_NOT_FOUND', `no schedule with id "${id}"`, { id });
  ctx.log(`schedule ${row.id} removed`);
  ctx.schedulesChanged();
  return { schedule: toSchedule(row) };
}
