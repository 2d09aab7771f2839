import { Cron } from 'croner';
import { QueueError, SCHEDULE_LIMITS } from '../../../protocol/index.js';

/** The slots (epoch ms, whole seconds) a cron expression fires at in its zone. */
export interface CronSlots {
  /** The first slot strictly after `ms`, or null if none ever comes. */
  nextAfter(ms: number): number | null;
  /** The latest slot at or before `ms`, or null if there was none. */
  latestAtOrBefore(ms: number): number | null;
}

const NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const ACCEPTED =
  'give 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or one of @hourly, @daily, @weekly, @monthly, @yearly';
const ZONE_EXAMPLES = '"Europe/Berlin", "America/New_York" or "UTC"';

/** The expression as stored and compared: trimmed, runs of blanks made one space, a nickname in lower case. */
export function normalizeCron(text: string): string {
  const compact = text.trim().replace(/\s+/g, ' ');
  return compact.startsWith('@') ? compact.toLowerCase() : compact;
}

/**
 * A cron expression from the wire, normalised, checked by croner (5 fields, or 6 with seconds first, or a
 * nickname) and required to fire at least once after `now` in `tz`. Every problem is INVALID_ARGUMENT
 * saying `invalid cron expression "x": why`.
 */
export function checkCron(raw: unknown, tz: string | null, now: number): { cron: string; slots: CronSlots } {
  if (typeof raw !== 'string') bad(`cron must be a string, e.g. "*/5 * * * *"; got ${JSON.stringify(raw)}`);
  if (raw.length > SCHEDULE_LIMITS.cronLength) bad(`cron must be at most ${SCHEDULE_LIMITS.cronLength} characters, got ${raw.length}`);
  const cron = normalizeCron(raw);
  const invalid = (why: string): never => bad(`invalid cron expression ${JSON.stringify(raw)}: ${why}`);
  if (cron === '') invalid(`it is empty; ${ACCEPTED}`);
  if (cron === '@reboot') invalid(`@reboot is not supported (schedules fire on the clock); ${ACCEPTED}`);
  if (cron.startsWith('@') && !NICKNAMES.includes(cron)) invalid(`unknown nickname; ${ACCEPTED}`);
  const fields = cron.split(' ').length;
  if (!cron.startsWith('@') && fields !== 5 && fields !== 6) {
    invalid(`it has ${fields} field${fields === 1 ? '' : 's'}${fields === 7 ? ' (a year field is not supported)' : ''}; ${ACCEPTED}`);
  }
  let slots: CronSlots;
  try {
    slots = cronSlots(cron, tz);
  } catch (err) {
    return invalid((err instanceof Error ? err.message : String(err)).replace(/^Cron\w*:\s*/, ''));
  }
  if (slots.nextAfter(now) === null) invalid('it never fires (no such date exists, e.g. February 30)');
  return { cron, slots };
}

/**
 * An IANA time zone from the wire, or null (the daemon's local zone), in its canonical spelling as Intl
 * resolves it, whatever the letter case or alias given ("utc" → "UTC", "europe/berlin" → "Europe/Berlin",
 * "US/Eastern" → "America/New_York", "est" → "America/Panama", the fixed UTC-5 zone EST names), so the same
 * zone is stored one way and identical schedules match.
 */
export function checkTimeZone(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string' || raw.trim() === '') {
    bad(`tz must be an IANA time zone such as ${ZONE_EXAMPLES}, or null for the daemon's local zone; got ${JSON.stringify(raw)}`);
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: raw.trim() }).resolvedOptions().timeZone;
  } catch {
    return bad(`tz ${JSON.stringify(raw)} is not a known time zone; give an IANA name such as ${ZONE_EXAMPLES}`);
  }
}

/** What each nickname stands for (croner reads them so). */
const EXPANSIONS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/**
 * The other spellings of a normalised expression that read the same: a nickname's expansion and the
 * nicknames of an expansion ("@daily" ↔ "0 0 * * *", "@midnight"). An identical schedule written either way
 * is the same schedule; other equivalent expressions ("0 0 * * 7" for "0 0 * * 0") are not matched.
 */
export function sameCron(cron: string): string[] {
  const expansion = EXPANSIONS[cron] ?? cron;
  return [expansion, ...Object.keys(EXPANSIONS).filter((nick) => EXPANSIONS[nick] === expansion)].filter((c) => c !== cron);
}

/**
 * The slots of a stored (already checked) expression. Throws croner's error if it does not parse, which
 * only a stored expression that a newer croner reads differently could do.
 */
export function cronSlots(cron: string, tz: string | null): CronSlots {
  const parsed = new Cron(cron, { mode: '5-or-6-parts', ...(tz === null ? {} : { timezone: tz }) });
  return {
    nextAfter: (ms) => parsed.nextRun(new Date(ms))?.getTime() ?? null,
    latestAtOrBefore(ms) {
      // previousRuns counts in whole seconds and excludes the reference's own second: start one second on.
      const reference = Math.floor(ms / 1000) * 1000 + 1000;
      const latest = parsed.previousRuns(1, new Date(reference))[0]?.getTime();
      return latest === undefined || latest > ms ? null : latest;
    },
  };
}

function bad(message: string): never {
  throw new QueueError('INVALID_ARGUMENT', message);
}
