import type { Schedule, ScheduleAddParams, ScheduleEditParams } from '../../../../protocol/schedule.js';

/** The text fields of the schedule form. */
export type ScheduleField = 'cron' | 'command' | 'cwd' | 'queue' | 'tz' | 'name' | 'retries' | 'priority' | 'timeout';

const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** A timeout as the Timeout field reads it back exactly ("1h30m", "45s", "0"). */
export function durationText(ms: number): string {
  if (ms === 0) return '0';
  let rest = ms;
  let text = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * size;
  }
  return text;
}

/** A stored schedule as the form's text, for editing it. */
export function scheduleText(s: Schedule): Record<ScheduleField, string> {
  return {
    cron: s.cron,
    command: s.command,
    cwd: s.cwd ?? '',
    queue: s.queue === 'default' ? '' : s.queue,
    tz: s.tz ?? '',
    name: s.name ?? '',
    retries: s.max_retries === null ? '' : String(s.max_retries),
    priority: s.priority === 0 ? '' : String(s.priority),
    timeout: s.timeout_ms === null ? '' : durationText(s.timeout_ms),
  };
}

/**
 * The edit of schedule `id` the form asks for: every field, an empty one meaning what it means when adding
 * (the daemon's zone, no name, the configured retries and timeout, priority 0, queue default).
 */
export function editParams(id: string, params: ScheduleAddParams): ScheduleEditParams {
  return {
    id,
    ...params,
    queue: params.queue ?? 'default',
    tz: params.tz ?? null,
    name: params.name ?? null,
    max_retries: params.max_retries ?? null,
    priority: params.priority ?? 0,
    timeout_ms: params.timeout_ms ?? null,
  };
}
