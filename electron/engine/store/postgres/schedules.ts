import type pg from 'pg';
import { DEFAULT_UMASK, QueueError, SCHEDULE_LIMITS, type JobState } from '../../../../protocol/index.js';
import type { ScheduleRow } from '../schedule-rows.js';
import type { JobRow } from '../rows.js';
import type { ScheduleEdit } from '../transitions/schedule-controls.js';
import { generateId, type NewJob } from '../transitions/enqueue.js';
import type { AddedSchedule, Firing, FiringResult, NewSchedule } from '../transitions/schedules.js';
import { at, inTransaction, one, rows } from './db.js';
import { enqueueOne, storeEnv } from './enqueue.js';
import { resolvePrefix } from './job-reads.js';

/**
 * Schedules (store/transitions/schedules.ts and schedule-queries.ts on PostgreSQL). A firing is one transaction
 * whose first statement is the guarded move of next_at: a second firer of the same slot, on any connection,
 * waits for the first's row lock and then finds next_at moved (stale), so a slot fires once.
 */
export function scheduleStore(pool: pg.Pool) {
  const advance = (c: pg.PoolClient, move: { id: string; expected: number; next: number }) =>
    c.query('UPDATE queuectl.schedules SET next_at = $3 WHERE id = $1 AND next_at = $2 AND paused_at IS NULL', [move.id, at(move.expected), at(move.next)]);
  const gone = (id: string): QueueError => new QueueError('SCHEDULE_NOT_FOUND', `no schedule with id "${id}"`, { id });

  return {
    addSchedule: (schedule: NewSchedule, now: number): Promise<AddedSchedule> =>
      inTransaction(pool, async (c) => {
        const queueCreated = (await c.query('INSERT INTO queuectl.queues (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [schedule.queue])).rowCount === 1;
        // One adder at a time: the identity check and the count hold until the commit.
        await c.query('LOCK TABLE queuectl.schedules IN SHARE ROW EXCLUSIVE MODE');
        const existing = await one<ScheduleRow>(
          c,
          `SELECT * FROM queuectl.schedules WHERE cron = ANY($1::text[]) AND tz IS NOT DISTINCT FROM $2 AND spec = $3 AND overlap = $4 ORDER BY created_at, id LIMIT 1`,
          [[schedule.cron, ...(schedule.sameAs ?? [])], schedule.tz, schedule.spec, schedule.overlap],
        );
        if (existing) return { row: existing, created: false, queueCreated };
        const n = (await one<{ n: number }>(c, 'SELECT count(*) AS n FROM queuectl.schedules'))!.n;
        if (n >= SCHEDULE_LIMITS.count) {
          throw new QueueError(
            'INVALID_ARGUMENT',
            `there are ${n} schedules already, the limit; remove one first (queuectl schedule list, queuectl schedule remove <id>)`,
            { limit: SCHEDULE_LIMITS.count },
          );
        }
        const env = schedule.env ? await storeEnv(c, schedule.env) : null;
        for (let tries = 0; tries < 5; tries++) {
          const row = await one<ScheduleRow>(
            c,
            `INSERT INTO queuectl.schedules (id, cron, tz, spec, created_at, next_at, overlap, env_id, umask) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (id) DO NOTHING RETURNING *`,
            [generateId(), schedule.cron, schedule.tz, schedule.spec, at(now), at(schedule.next_at), schedule.overlap, env, schedule.umask ?? DEFAULT_UMASK],
          );
          if (row) return { row, created: true, queueCreated };
        }
        throw new Error('could not generate a unique schedule id in 5 tries');
      }),

    removeSchedule: (id: string): Promise<ScheduleRow | null> => one<ScheduleRow>(pool, 'DELETE FROM queuectl.schedules WHERE id = $1 RETURNING *', [id]),

    realignSchedule: (move: { id: string; expected: number; next: number }): Promise<boolean> =>
      inTransaction(pool, async (c) => (await advance(c, move)).rowCount === 1),

    fireSchedule: (firing: Firing, now: number): Promise<FiringResult> =>
      inTransaction(pool, async (c): Promise<FiringResult> => {
        if ((await advance(c, { id: firing.id, expected: firing.expected, next: firing.next })).rowCount === 0) return { outcome: 'stale' };
        if (firing.job === null) return { outcome: 'skipped' };
        const record = (job: string) =>
          c.query('UPDATE queuectl.schedules SET last_slot = $2, last_job_id = $3 WHERE id = $1 AND (last_slot IS NULL OR last_slot <= $2)', [
            firing.id,
            at(firing.slot),
            job,
          ]);
        const had = await one<{ id: string }>(c, 'SELECT id FROM queuectl.jobs WHERE schedule_id = $1 AND scheduled_for = $2', [firing.id, at(firing.slot)]);
        if (had) {
          await record(had.id);
          return { outcome: 'had-job', jobId: had.id };
        }
        const previous = await one<{ id: string; state: JobState }>(
          c,
          `SELECT j.id, j.state FROM queuectl.schedules s JOIN queuectl.jobs j ON j.id = s.last_job_id
           WHERE s.id = $1 AND s.overlap = 'skip' AND j.state IN ('pending','failed','processing')`,
          [firing.id],
        );
        if (previous) {
          await c.query(
            'UPDATE queuectl.schedules SET skipped = skipped + 1, last_skipped_slot = greatest(coalesce(last_skipped_slot, $2), $2) WHERE id = $1',
            [firing.id, at(firing.slot)],
          );
          return { outcome: 'overlap', jobId: previous.id, state: previous.state };
        }
        const job = await enqueueOne(c, { ...firing.job, schedule: { id: firing.id, slot: firing.slot } }, now);
        await record(job.id);
        return { outcome: 'fired', job };
      }),

    pauseSchedule: (id: string, now: number): Promise<ScheduleRow | null> =>
      one<ScheduleRow>(pool, 'UPDATE queuectl.schedules SET paused_at = $2 WHERE id = $1 AND paused_at IS NULL RETURNING *', [id, at(now)]),

    resumeSchedule: (id: string, next: number): Promise<ScheduleRow | null> =>
      one<ScheduleRow>(pool, 'UPDATE queuectl.schedules SET paused_at = NULL, next_at = $2 WHERE id = $1 AND paused_at IS NOT NULL RETURNING *', [id, at(next)]),

    editSchedule: (change: ScheduleEdit): Promise<{ row: ScheduleRow; queueCreated: boolean }> =>
      inTransaction(pool, async (c) => {
        const queueCreated = (await c.query('INSERT INTO queuectl.queues (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [change.queue])).rowCount === 1;
        const envId = change.env === undefined || change.env === null ? null : await storeEnv(c, change.env);
        const row = await one<ScheduleRow>(
          c,
          `UPDATE queuectl.schedules SET cron = $3, tz = $4, spec = $5, overlap = $6, next_at = $7, umask = $8,
             env_id = CASE WHEN $9 THEN env_id ELSE $10::bigint END
           WHERE id = $1 AND next_at = $2 RETURNING *`,
          [change.id, at(change.expected), change.cron, change.tz, change.spec, change.overlap, at(change.next_at), change.umask, change.env === undefined, envId],
        );
        if (row) return { row, queueCreated };
        if (!(await one(c, 'SELECT id FROM queuectl.schedules WHERE id = $1', [change.id]))) throw gone(change.id);
        throw new QueueError('INVALID_STATE', `schedule ${change.id} fired while it was being edited; nothing was changed, edit it again`, { id: change.id });
      }),

    runScheduleNow: (id: string, job: NewJob, now: number): Promise<JobRow> =>
      inTransaction(pool, async (c) => {
        const row = await enqueueOne(c, { ...job, schedule: { id, slot: null } }, now);
        if ((await c.query('UPDATE queuectl.schedules SET last_job_id = $1 WHERE id = $2', [row.id, id])).rowCount === 0) throw gone(id);
        return row;
      }),

    listSchedules: (): Promise<ScheduleRow[]> => rows<ScheduleRow>(pool, 'SELECT * FROM queuectl.schedules ORDER BY created_at, id'),
    schedulesByNext: (): Promise<ScheduleRow[]> => rows<ScheduleRow>(pool, 'SELECT * FROM queuectl.schedules WHERE paused_at IS NULL ORDER BY next_at, id'),
    getSchedule: (id: string): Promise<ScheduleRow | null> => one<ScheduleRow>(pool, 'SELECT * FROM queuectl.schedules WHERE id = $1', [id]),
    resolveScheduleId: (idOrPrefix: string): Promise<string> => resolvePrefix(pool, 'schedules', idOrPrefix),
  };
}
