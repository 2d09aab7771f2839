import type { ScheduleStore } from '../api.js';
import type { Store } from '../index.js';

/** Schedules (transitions/schedules.ts, transitions/schedule-controls.ts, schedule-queries.ts). */
export function scheduleStore(s: Store): ScheduleStore {
  return {
    addSchedule: async (schedule, now) => s.addSchedule(schedule, now),
    removeSchedule: async (id) => s.removeSchedule(id),
    realignSchedule: async (move) => s.realignSchedule(move),
    fireSchedule: async (firing, now) => s.fireSchedule(firing, now),
    pauseSchedule: async (id, now) => s.pauseSchedule(id, now),
    resumeSchedule: async (id, next) => s.resumeSchedule(id, next),
    editSchedule: async (change) => s.editSchedule(change),
    runScheduleNow: async (id, job, now) => s.runScheduleNow(id, job, now),
    listSchedules: async () => s.listSchedules(),
    schedulesByNext: async () => s.schedulesByNext(),
    getSchedule: async (id) => s.getSchedule(id),
    resolveScheduleId: async (idOrPrefix) => s.resolveScheduleId(idOrPrefix),
  };
}
