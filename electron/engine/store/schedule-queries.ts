import type Database from 'better-sqlite3';
import { QueueError } from '../../../protocol/index.js';
import type { ScheduleRow } from './schedule-rows.js';

/** Reads of the schedules table (a handful of rows: every read scans it). */
export function prepareScheduleQueries(db: Database.Database) {
  const all = db.prepare<[], ScheduleRow>(`SELECT * FROM schedules ORDER BY created_at, id`);
  const byNext = db.prepare<[], ScheduleRow>(`SELECT * FROM schedules WHERE paused_at IS NULL ORDER BY next_at, id`);
  const byId = db.prepare<[string], ScheduleRow>(`SELECT * FROM schedules WHERE id = ?`);
  const byPrefix = db.prepare<[string, string], { id: string }>(`SELECT id FROM schedules WHERE id >= ? AND id < ? ORDER BY id LIMIT 6`);

  return {
    /** Every schedule, oldest first. */
    listSchedules: (): ScheduleRow[] => all.all(),
    /** Every running (not paused) schedule, the next to fire first (the cron loop's view). */
    schedulesByNext: (): ScheduleRow[] => byNext.all(),
    getSchedule: (id: string): ScheduleRow | null => byId.get(id) ?? null,

    /** An exact id wins; otherwise a unique prefix. SCHEDULE_NOT_FOUND or AMBIGUOUS_ID otherwise. */
    resolveScheduleId(idOrPrefix: string): string {
      if (idOrPrefix === '') throw new QueueError('INVALID_ARGUMENT', 'schedule id must not be empty');
      if (byId.get(idOrPrefix)) return idOrPrefix;
      const matches = byPrefix.all(idOrPrefix, idOrPrefix + '\u{10FFFF}').map((r) => r.id);
      if (matches.length === 1) return matches[0]!;
      if (matches.length === 0) {
        throw new QueueError('SCHEDULE_NOT_FOUND', `no schedule with id or prefix "${idOrPrefix}" (queuectl schedule list shows them)`, { id: idOrPrefix });
      }
      const shown = matches.slice(0, 5).join(', ') + (matches.length > 5 ? ', …' : '');
      throw new QueueError('AMBIGUOUS_ID', `"${idOrPrefix}" matches several schedules (${shown}); type more of the id`, {
        id: idOrPrefix,
        matches: matches.slice(0, 5),
      });
    },
  };
}
