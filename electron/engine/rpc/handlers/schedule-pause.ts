import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { cronSlots } from '../../cron/expression.js';
import { toSchedule, type ScheduleRow } from '../../store/schedule-rows.js';
import { onlyFields } from '../only-fields.js';
import { asParams, requireString } from '../params.js';

/** The schedule named by id or unique prefix (SCHEDULE_NOT_FOUND, AMBIGUOUS_ID otherwise). */
export async function namedSchedule(ctx: EngineContext, raw: unknown, method: string): Promise<ScheduleRow> {
  const p = asParams(raw);
  onlyFields(p, method, ['id']);
  const id = await ctx.store.resolveScheduleId(requireString(p, 'id'));
  const row = await ctx.store.getSchedule(id);
  if (row === null) throw new QueueError('SCHEDULE_NOT_FOUND', `no schedule with id "${id}"`, { id });
  return row;
}

/** Stops a schedule firing (idempotent: a second pause keeps the first paused_at) and re-arms the cron loop. */
export async function schedulePause(ctx: EngineContext, raw: unknown): Promise<ResultOf<'schedule.pause'>> {
  const { id } = await namedSchedule(ctx, raw, 'schedule.pause');
  const row = await ctx.store.pauseSchedule(id, Date.now());
  if (row === null) return { schedule: await answer(ctx, id), changed: false };
  ctx.log(`schedule ${id} paused`);
  ctx.schedulesChanged();
  return { schedule: toSchedule(row), changed: true };
}

/**
 * Lets a paused schedule fire again from the first slot after now; the slots that passed while it was paused
 * are not fired (idempotent: a running schedule is answered as it is).
 */
export async function scheduleResume(ctx: EngineContext, raw: unknown): Promise<ResultOf<'schedule.resume'>> {
  const before = await namedSchedule(ctx, raw, 'schedule.resume');
  if (before.paused_at === null) return { schedule: toSchedule(before), changed: false };
  const next = cronSlots(before.cron, before.tz).nextAfter(Date.now());
  if (next === null) {
    throw new QueueError('INVALID_STATE', `schedule ${before.id} (${JSON.stringify(before.cron)}) has no slot from now on; edit its expression or remove it`, { id: before.id });
  }
  const row = await ctx.store.resumeSchedule(before.id, next);
  if (row === null) return { schedule: await answer(ctx, before.id), changed: false };
  ctx.log(`schedule ${row.id} resumed, next at ${new Date(next).toISOString()}`);
  ctx.schedulesChanged();
  return { schedule: toSchedule(row), changed: true };
}

/** The schedule as it is now (it was there a moment ago, unless removed since: then SCHEDULE_NOT_FOUND). */
async function answer(ctx: EngineContext, id: string) {
  const row = await ctx.store.getSchedule(id);
  if (row === null) throw new QueueError('SCHEDULE_NOT_FOUND', `no schedule with id "${id}"`, { id });
  return toSchedule(row);
}
