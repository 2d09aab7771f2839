import { Cron } from 'croner';

/**
 * The next `count` times a cron expression fires, read the way the daemon reads it (croner, 5 fields or 6
 * with seconds first, nicknames such as @daily), in `tz` or this browser's zone; null when it cannot be read,
 * an empty list when it reads but never fires (February 30). Only a hint while typing: the daemon's check
 * when the schedule is added or edited is what counts.
 */
export function nextSlots(text: string, tz: string | null, count: number, now = Date.now()): Date[] | null {
  const compact = text.trim().replace(/\s+/g, ' ');
  const cron = compact.startsWith('@') ? compact.toLowerCase() : compact;
  if (cron === '' || cron === '@reboot') return null;
  try {
    return new Cron(cron, { mode: '5-or-6-parts', ...(tz ? { timezone: tz } : {}) }).nextRuns(count, new Date(now));
  } catch {
    return null;
  }
}
