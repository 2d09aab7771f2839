import type Database from 'better-sqlite3';
import { DEFAULT_UMASK, QueueError, SCHEDULE_LIMITS, type JobState, type ScheduleOverlap } from '../../../../protocol/index.js';
import type { JobRow } from '../rows.js';
import type { ScheduleRow } from '../schedule-rows.js';
import { generateId, prepareEnqueue, prepareStoreEnv, type NewJob, type StoredEnv } from './enqueue.js';

/** A checked `schedule.add`, ready to store. */
export interface NewSchedule {
  /** Normalised (cron/expression.ts normalizeCron). */
  cron: string;
  /** Expressions that read the same as `cron` (a nickname and its expansion); an identical schedule with any of them is the same one. */
  sameAs?: readonly string[];
  tz: string | null;
  /** JSON of a StoredJobSpec; the same cron, tz, spec and overlap make the same schedule. */
  spec: string;
  /** The queue named in the spec: its row is made in the same transaction (pause --queue works before the first firing). */
  queue: string;
  overlap: ScheduleOverlap;
  /** Its first slot after now (ms). */
  next_at: number;
  /** The environment of its jobs; null: the queue's own. Not part of its identity (an identical schedule keeps its own). */
  env?: StoredEnv | null;
  /** The umask of its jobs (absent: DEFAULT_UMASK). Not part of its identity either. */
  umask?: number;
}

/** What addSchedule did. */
export interface AddedSchedule {
  row: ScheduleRow;
  /** False: an identical schedule existed, and is answered. */
  created: boolean;
  /** True when the queue's row was made by this add (the queue was not known before). */
  queueCreated: boolean;
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
  /** Overlap 'skip': the schedule's previous job has not ended (in `state`); the slot enqueued nothing (counted in `skipped`). */
  | { outcome: 'overlap'; jobId: string; state: JobState }
  /** Nothing done: another firing moved next_at first, or the schedule is paused or gone. */
  | { outcome: 'stale' };

/** States of a job that has not ended: waiting (also for a retry or in a paused queue) or running. */
const NOT_ENDED = `('pending', 'failed', 'processing')`;

/**
 * Adding, removing and firing schedules. A firing is one transaction: the guarded move of next_at, the
 * overlap check, the job and the record of the slot, so a slot fires at most once however often (or by
 * however many callers) it is attempted, across restarts; the unique index jobs_schedule_slot backs it up.
 */
export function prepareSchedules(db: Database.Database) {
  const { enqueue } = prepareEnqueue(db);
  const same = db.prepare<[string, string | null, string, string], ScheduleRow>(
    `SELECT * FROM schedules WHERE cron IN (SELECT value FROM json_each(?)) AND tz IS ? AND spec = ? AND overlap = ? ORDER BY created_at, id LIMIT 1`,
  );
  const count = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM schedules`);
  const ensureQueue = db.prepare<[string]>(`INSERT INTO queues (name) VALUES (?) ON CONFLICT (name) DO NOTHING`);
  const insert = db.prepare<[string, string, string | null, string, number, number, ScheduleOverlap, number | null, number], ScheduleRow>(
    `INSERT INTO schedules (id, cron, tz, spec, created_at, next_at, overlap, env_id, umask) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING RETURNING *`,
  );
  const storeEnv = prepareStoreEnv(db);
  const remove = db.prepare<[string], ScheduleRow>(`DELETE FROM schedules WHERE id = ? RETURNING *`);
  /** Moves next_at, guarded by the value read; a paused schedule's next_at is left alone (it never fires). */
  const advance = db.prepare<{ id: string; expected: number; next: number }>(
    `UPDATE schedules SET next_at = @next WHERE id = @id AND next_at = @expected AND paused_at IS NULL`,
  );
  /** Counts a slot overlap 'skip' passed over, and keeps the latest. */
  const countSkip = db.prepare<{ id: string; slot: number }>(
    `UPDATE schedules SET skipped = skipped + 1, last_skipped_slot = max(coalesce(last_skipped_slot, @slot), @slot) WHERE id = @id`,
  );
  const slotJob = db.prepare<[string, number], { id: string }>(`SELECT id FROM jobs WHERE schedule_id = ? AND scheduled_for = ?`);
  /** The previous job of a schedule with overlap 'skip', while it has not ended. */
  const unended = db.prepare<[string], { id: string; state: JobState }>(
    `SELECT j.id, j.state FROM schedules s JOIN jobs j ON j.id = s.last_job_id WHERE s.id = ? AND s.overlap = 'skip' AND j.state IN ${NOT_ENDED}`,
  );
  /** The last slot and its job only move forward (a slot fired again after the clock went back keeps the newer record). */
  const record = db.prepare<{ id: string; slot: number; job: string }>(
    `UPDATE schedules SET last_slot = @slot, last_job_id = @job WHERE id = @id AND (last_slot IS NULL OR last_slot <= @slot)`,
  );

  return {
    /**
     * Stores a schedule and makes its queue's row, unless an identical one exists: then that one, with created
     * false. A new schedule beyond SCHEDULE_LIMITS.count is INVALID_ARGUMENT.
     */
    addSchedule: db.transaction((schedule: NewSchedule, now: number): AddedSchedule => {
      const queueCreated = ensureQueue.run(schedule.queue).changes === 1;
      const crons = JSON.stringify([schedule.cron, ...(schedule.sameAs ?? [])]);
      const existing = same.get(crons, schedule.tz, schedule.spec, schedule.overlap);
      if (existing) return { row: existing, created: false, queueCreated };
      const n = count.get()!.n;
      if (n >= SCHEDULE_LIMITS.count) {
        throw new QueueError(
          'INVALID_ARGUMENT',
          `there are ${n} schedules already, the limit; remove one first (queuectl schedule list, queuectl schedule remove <id>)`,
          { limit: SCHEDULE_LIMITS.count },
        );
      }
      const env = schedule.env ? storeEnv(schedule.env) : null;
      for (let tries = 0; tries < 5; tries++) {
        const row = insert.get(generateId(), schedule.cron, schedule.tz, schedule.spec, now, schedule.next_at, schedule.overlap, env, schedule.umask ?? DEFAULT_UMASK);
        if (row) return { row, created: true, queueCreated };
      }
      throw new Error('could not generate a unique schedule id in 5 tries');
    }),

    /** Deletes a schedule; its jobs stay. Null when it was gone already. */
    removeSchedule: db.transaction((id: string): ScheduleRow | null => remove.get(id) ?? null),

    /**
     * Moves a schedule's next_at back to `next` (the wall clock went back), guarded by the next_at read.
     * False when another change came first. No job is made here; a slot that had one gets no second.
     */
    realignSchedule: db.transaction((move: { id: string; expected: number; next: number }): boolean => advance.run(move).changes === 1),

    /** Fires (or skips) one slot; see FiringResult. */
    fireSchedule: db.transaction((firing: Firing, now: number): FiringResult => {
      if (advance.run({ id: firing.id, expected: firing.expected, next: firing.next }).changes === 0) return { outcome: 'stale' };
      if (firing.job === null) return { outcome: 'skipped' };
      const had = slotJob.get(firing.id, firing.slot)?.id;
      if (had !== undefined) {
        record.run({ id: firing.id, slot: firing.slot, job: had });
        return { outcome: 'had-job', jobId: had };
      }
      const previous = unended.get(firing.id);
      if (previous !== undefined) {
        countSkip.run({ id: firing.id, slot: firing.slot });
        return { outcome: 'overlap', jobId: previous.id, state: previous.state };
      }
      const job = enqueue({ ...firing.job, schedule: { id: firing.id, slot: firing.slot } }, now);
      record.run({ id: firing.id, slot: firing.slot, job: job.id });
      return { outcome: 'fired', job };
    }),
  };
}
