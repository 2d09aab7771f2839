/**
 * Schedule controls (issue 16): pause and the slots overlap 'skip' passed over.
 *
 * - schedules.paused_at: when the schedule was paused (ms), NULL while it runs. A paused schedule's slots pass
 *   without a job; resuming continues from the first slot after the resume (store/transitions/schedules.ts).
 * - schedules.skipped / last_skipped_slot: how many slots overlap 'skip' passed over because the previous job
 *   had not ended, and the latest of them (ms), so `schedule list` and the dashboard can show them.
 */
export const sql = `
ALTER TABLE schedules ADD COLUMN paused_at INTEGER;
ALTER TABLE schedules ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE schedules ADD COLUMN last_skipped_slot INTEGER;
`;
