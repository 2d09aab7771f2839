import { ago, localTime } from './format.js';

/**
 * A slot for people: "2026-11-28 14:00 (in 25m 00s)", seconds only when the slot has them. In the schedule's
 * zone, named ("2026-11-28 09:00 Europe/Berlin"), when it has one; in local time otherwise.
 */
export function slotTime(iso: string, tz: string | null, now = Date.now()): string {
  return `${slotClock(iso, tz)}${tz === null ? '' : ` ${tz}`} (${ago(iso, now)})`;
}

/** The slot's date and time in `tz` (local time for null), without seconds when they are 0. */
export function slotClock(iso: string, tz: string | null): string {
  if (tz === null) return localTime(iso).replace(/:00$/, '');
  try {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
        .formatToParts(new Date(iso))
        .map((p) => [p.type, p.value]),
    );
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}${parts.second === '00' ? '' : `:${parts.second}`}`;
  } catch {
    return iso; // a zone this Node does not know: the daemon's ISO time, which is unambiguous
  }
}
