import type Database from 'better-sqlite3';
import type { JobRow } from '../rows.js';
import type { ScheduleRow } from '../schedule-rows.js';
import { generateId, prepareEnqueue, type NewJob } from './enqueue.js';

/** A checked `schedule.add`, ready to store. */
export interface NewSchedule {
  /** Normalised (cron/expression.ts normalizeCron). */
  cron: string;
  tz: string | null;
  /** JSON of a StoredJobSpec; the same cron, tz and spec make the same schedule. */
  spec: string;
  /** Its first slot after now (ms). */
  next_at: number;
}

/** One attempt to fire a schedule for a slot. */
export interface Firing {
  id: string;
  /** The next_at the caller read; the firing happens only while it is still the schedule's next_at. */
  expected: number;
  /** The slot fired for (ms). */
  slot: number;
  /** The schedule's next slot after this firing (ms). */
  next: number;
  /** The job to enqueue for the slot (its `schedule` is set here), or null to skip the slot. */
  job: NewJob | null;
}

/** What a firing did. */
export type FiringResult =
  /** The job was enqueued. */
  | { outcome: 'fired'; job: JobRow }
  /** The slot had its job already (it is recorded as the last one); nothing new. */
  | { outcome: 'had-job'; jobId: string }
  /** The slot was passed over without a job (Firing.job was null). */
  | { outcome: 'skipped' }
  /** Nothing done: another firing moved next_at first, or the schedule is gone. */
  | { outcome: 'stale' };

/**
 * Adding, removing and firing schedules. A firing is one transaction: the guarded move of next_at, the job
 * and the record of the slot, so a slot fires at most once however often (or by however many callers) it
 * is attempted, across restarts; the unique index jobs_schedule_slot backs it up.
 */
export function prepareSchedules(db: Database.Database) {
  const { enqueue } = prepareEnqueue(db);
  const same = db.prepare<[string, string | null, string], ScheduleRow>(`SELECT * FROM schedules WHERE cron = ? AND tz IS ? AND spec = ? LIMIT 1`);
  const insert = db.prepare<[string, string, string | null, string, number, number], ScheduleRow>(
    `INSERT INTO schedules (id, cron, tz, spec, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING *`,
  );
  const remove = db.prepare<[string], ScheduleRow>(`DELETE FROM schedules WHERE id = ? RETURNING *`);
  const advance = db.prepare<{ id: string; expected: number; next: number }>(`UPDATE schedules SET next_at = @next WHERE id = @id AND next_at = @expected`);
  const slotJob = db.prepare<[string, number], { id: string }>(`SELECT id FROM jobs WHERE schedule_id = ? AND scheduled_for = ?`);
  const record = db.prepare<{ id: string; slot: number; job: string }>(`UPDATE schedules SET last_slot = @slot, last_job_id = @job WHERE id = @id`);

  return {
    /** Stores a schedule, unless an identical one exists: then that one, with created false. */
    addSchedule: db.transaction((schedule: NewSchedule, now: number): { row: ScheduleRow; created: boolean } => {
      const existing = same.get(schedule.cron, schedule.tz, schedule.spec);
      if (existing) return { row: existing, created: false };
      for (let tries = 0; tries < 5; tries++) {
        const row = insert.get(generateId(), schedule.cron, schedule.tz, schedule.spec, now, schedule.next_at);
        if (row) return { row, created: true };
      }
      throw new Error('could not generate a unique schedule id in 5 tries');
    }),

    /** Deletes a schedule; its jobs stay. Null when it was gone already. */
    removeSchedule: db.transaction((id: string): ScheduleRow | null => remove.get(id) ?? null),

    /** Fires (or skips) one slot; see FiringResult. */
    fireSchedule: db.transaction((firing: Firing, now: number): FiringResult => {
      if (advance.run({ id: firing.id, expected: firing.expected, next: firing.next }).changes === 0) return { outcome: 'stale' };
      if (firing.job === null) return { outcome: 'skipped' };
      const had = slotJob.get(firing.id, firing.slot)?.id;
      const job = had === undefined ? enqueue({ ...firing.job, schedule: { id: firing.id, slot: firing.slot } }, now) : null;
      record.run({ id: firing.id, slot: firing.slot, job: had ?? job!.id });
      return job === null ? { outcome: 'had-job', jobId: had! } : { outcome: 'fired', job };
    }),
  };
}
