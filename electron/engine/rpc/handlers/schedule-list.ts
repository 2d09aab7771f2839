import type { ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toSchedule } from '../../store/schedule-rows.js';
import { onlyFields } from '../only-fields.js';
import { asParams } from '../params.js';

/** Every schedule, oldest first, with its next slot and its last firing. */
export async function scheduleList(ctx: EngineContext, raw: unknown): Promise<ResultOf<'schedule.list'>> {
  onlyFields(asParams(raw), 'schedule.list', []);
  return { schedules: (await ctx.store.listSchedules()).map(toSchedule) };
}
