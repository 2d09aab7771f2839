import { Cron } from 'croner';

/**
 * The next `count` times a cron expression fires, read the way the daemon reads it (croner, 5 fields or 6
 * with seconds first, nicknames such as @daily), in `tz` or this browser's zone; null when it cannot be read.
 * Only a hint while typing: the daemon's check when the schedule is added is what counts.
 */
export function nextSlots(text: string, tz: string | null, count: number, now = Date.now()): Date[] | null {
  const compact = text.trim().replace(/\s+/g, ' ');
  const cron = compact.startsWith('@') ? compact.toLowerCase() : compact;
  if (cron === '' || cron === '@reboot') return null;
  try {
    const runs = new Cron(cron, { mode: '5-or-6-parts', ...(tz ? { timezone: tz } : {}) }).nextRuns(count, new Date(now));
    return runs.length > 0 ? runs : null;
  } catch {
    return null;
  }
}
