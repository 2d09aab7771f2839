import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { toSchedule } from '../../store/schedule-rows.js';
import { onlyFields } from '../only-fields.js';
import { asParams, requireString, type Params } from '../params.js';
import { checkScheduleFields, SCHEDULE_FIELDS, storedFields } from '../schedule-fields.js';

/**
 * Changes a schedule: the fields given over the stored ones, and the result checked exactly as
 * `schedule.add` checks a new schedule (a cron that never fires is refused). A new expression or zone moves
 * the next run to the first slot after now; otherwise it stays. A paused schedule stays paused. Its jobs
 * enqueued already are left as they are. changed is false (nothing written) when nothing differs.
 */
export async function scheduleEdit(ctx: EngineContext, raw: unknown): Promise<ResultOf<'schedule.edit'>> {
  const p = asParams(raw);
  onlyFields(p, 'schedule.edit', ['id', ...SCHEDULE_FIELDS]);
  const id = await ctx.store.resolveScheduleId(requireString(p, 'id'));
  const row = await ctx.store.getSchedule(id);
  if (row === null) throw new QueueError('SCHEDULE_NOT_FOUND', `no schedule with id "${id}"`, { id });
  const { id: _id, ...given } = p;
  const merged: Params = { ...storedFields(row), ...given };
  // timeout_ms null: back to the config's default at firing time, as Schedule.timeout_ms reports null.
  if (given.timeout_ms === null) delete merged.timeout_ms;
  const now = Date.now();
  const { slots, env, cron, tz, spec, queue, overlap, umask } = checkScheduleFields(merged, ctx.settings, now);
  const moved = cron !== row.cron || tz !== row.tz;
  const sameEnv = env === undefined || (env?.digest ?? null) === ((await ctx.store.environment(row.env_id))?.digest ?? null);
  if (!moved && spec === row.spec && overlap === row.overlap && umask === row.umask && sameEnv) return { schedule: toSchedule(row), changed: false };

  const next_at = moved ? slots.nextAfter(now)! : row.next_at;
  const edited = await ctx.store.editSchedule({ id, expected: row.next_at, cron, tz, spec, queue, overlap, next_at, umask, ...(sameEnv ? {} : { env }) });
  const schedule = toSchedule(edited.row);
  if (edited.queueCreated) ctx.queuesChanged();
  ctx.log(`schedule ${id} edited: ${JSON.stringify(cron)}${tz === null ? '' : ` (${tz})`} in queue ${queue}, overlap ${overlap}${moved ? `, next at ${new Date(next_at).toISOString()}` : ''}`);
  ctx.schedulesChanged();
  return { schedule, changed: true };
}
