import type Database from 'better-sqlite3';
import { QueueError } from '../../../../protocol/index.js';
import type { JobRow } from '../rows.js';
import type { ScheduleRow } from '../schedule-rows.js';
import { prepareEnqueue, prepareStoreEnv, type NewJob, type StoredEnv } from './enqueue.js';
import type { NewSchedule } from './schedules.js';

/** A checked `schedule.edit`: the whole schedule as it is to be, checked as `schedule.add` checks it. */
export interface ScheduleEdit extends Omit<NewSchedule, 'sameAs' | 'env' | 'umask'> {
  id: string;
  /** The next_at the caller read: the edit applies only while it is still the schedule's (a firing in between wins). */
  expected: number;
  /** Absent: its environment is kept; null: the queue's own from now on. */
  env?: StoredEnv | null;
  umask: number;
}

/**
 * A schedule's controls besides add and remove: pause, resume, edit and run now. Each is one guarded
 * statement (run now and edit also write the job or environment they need, in the same transaction).
 *
 * Pause keeps next_at as it was; the cron loop reads only running schedules and a firing is guarded by
 * `paused_at IS NULL` (transitions/schedules.ts), so a paused schedule never fires. Resume sets next_at to the
 * first slot after the resume: slots that passed while paused are not fired (a pause is asked for; the
 * catch-up firing after downtime is for slots nobody chose to miss).
 */
export function prepareScheduleControls(db: Database.Database) {
  const { enqueue } = prepareEnqueue(db);
  const storeEnv = prepareStoreEnv(db);
  const ensureQueue = db.prepare<[string]>(`INSERT INTO queues (name) VALUES (?) ON CONFLICT (name) DO NOTHING`);
  const exists = db.prepare<[string], { id: string }>(`SELECT id FROM schedules WHERE id = ?`);
  const pause = db.prepare<[number, string], ScheduleRow>(`UPDATE schedules SET paused_at = ? WHERE id = ? AND paused_at IS NULL RETURNING *`);
  const resume = db.prepare<[number, string], ScheduleRow>(
    `UPDATE schedules SET paused_at = NULL, next_at = ? WHERE id = ? AND paused_at IS NOT NULL RETURNING *`,
  );
  const edit = db.prepare<Omit<ScheduleEdit, 'env'> & { keep_env: number; env_id: number | null }, ScheduleRow>(
    `UPDATE schedules SET cron = @cron, tz = @tz, spec = @spec, overlap = @overlap, next_at = @next_at, umask = @umask,
       env_id = iif(@keep_env, env_id, @env_id)
     WHERE id = @id AND next_at = @expected RETURNING *`,
  );
  /** Run now's job becomes the last one, so overlap 'skip' waits for it; last_slot stays the last cron slot. */
  const setLastJob = db.prepare<[string, string]>(`UPDATE schedules SET last_job_id = ? WHERE id = ?`);

  const gone = (id: string): QueueError => new QueueError('SCHEDULE_NOT_FOUND', `no schedule with id "${id}"`, { id });

  return {
    /** Pauses a running schedule; null when it was paused already (or is gone). */
    pauseSchedule: (id: string, now: number): ScheduleRow | null => pause.get(now, id) ?? null,

    /** Resumes a paused schedule, its next run at `next` (the first slot after now); null when it was not paused. */
    resumeSchedule: (id: string, next: number): ScheduleRow | null => resume.get(next, id) ?? null,

    /**
     * Rewrites a schedule (and makes its queue's row). SCHEDULE_NOT_FOUND when it is gone; INVALID_STATE when
     * it fired between the caller's read and this write (nothing changed; read and edit again).
     */
    editSchedule: db.transaction((change: ScheduleEdit): { row: ScheduleRow; queueCreated: boolean } => {
      const queueCreated = ensureQueue.run(change.queue).changes === 1;
      const envId = change.env === undefined || change.env === null ? null : storeEnv(change.env);
      const { env: _env, ...fields } = change;
      const row = edit.get({ ...fields, keep_env: change.env === undefined ? 1 : 0, env_id: envId });
      if (row) return { row, queueCreated };
      if (!exists.get(change.id)) throw gone(change.id);
      throw new QueueError('INVALID_STATE', `schedule ${change.id} fired while it was being edited; nothing was changed, edit it again`, { id: change.id });
    }),

    /** Enqueues one job from the schedule's spec now, outside its slots; next_at is untouched. */
    runScheduleNow: db.transaction((id: string, job: NewJob, now: number): JobRow => {
      const row = enqueue({ ...job, schedule: { id, slot: null } }, now);
      if (setLastJob.run(row.id, id).changes === 0) throw gone(id);
      return row;
    }),
  };
}
