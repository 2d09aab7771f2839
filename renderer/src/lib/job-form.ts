import { formatDuration, parseDuration } from '../../../protocol/duration.js';
import { parseIsoTime } from '../../../protocol/instant.js';
import { JOB_ID_PATTERN, JOB_LIMITS, QUEUE_NAME_PATTERN } from '../../../protocol/methods.js';

/**
 * The checks the Enqueue and Add schedule forms make before asking the daemon, with the daemon's own limits
 * from protocol/: each field's text becomes a value, or a message that says what to type instead.
 */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

const fail = (error: string): Checked<never> => ({ ok: false, error });

/** A whole number between min and max. */
export function wholeNumber(text: string, label: string, min: number, max: number): Checked<number> {
  if (!/^\s*-?\d+\s*$/.test(text)) return fail(`${label} must be a whole number`);
  const n = Number(text);
  return n < min || n > max ? fail(`${label} must be between ${min} and ${max}`) : { ok: true, value: n };
}

/** A timeout such as 30s, 5m or 1h30m (0: none), up to the longest a job may have. */
export function timeoutMs(text: string): Checked<number> {
  const ms = parseDuration(text);
  if (ms === null) return fail('Use a duration such as 30s, 5m or 1h30m (0 for none).');
  if (ms > JOB_LIMITS.timeoutMs) return fail(`The longest timeout is ${formatDuration(JOB_LIMITS.timeoutMs)}.`);
  return { ok: true, value: ms };
}

/** What the Timeout field's text will do, said under it. */
export function timeoutHint(text: string): string {
  if (text.trim() === '') return 'Empty: the configured default (job_timeout_ms).';
  const ms = parseDuration(text);
  if (ms === null) return 'A duration such as 30s, 5m or 1h30m; a bare number means seconds.';
  return ms === 0 ? 'No timeout.' : `Kill the run after ${formatDuration(ms)}.`;
}

export function jobName(text: string): Checked<string> {
  const name = text.trim();
  return name.length > JOB_LIMITS.nameLength ? fail(`A name has at most ${JOB_LIMITS.nameLength} characters.`) : { ok: true, value: name };
}

/** A queue name as the daemon accepts it (QUEUE_NAME_PATTERN). */
export function queueName(text: string): Checked<string> {
  const name = text.trim();
  if (QUEUE_NAME_PATTERN.test(name)) return { ok: true, value: name };
  return fail('A queue name is 1–64 letters, digits, “.”, “_” or “-”, starting with a letter or digit.');
}

/** Job ids (or unique prefixes) separated by commas or spaces; repeats are dropped. */
export function parentIds(text: string): Checked<string[]> {
  const ids = [...new Set(text.split(/[\s,]+/).filter((id) => id !== ''))];
  const bad = ids.find((id) => !JOB_ID_PATTERN.test(id));
  if (bad !== undefined) return fail(`“${bad}” is not a job id: ids are letters, digits, “.”, “_” and “-”.`);
  if (ids.length > JOB_LIMITS.maxParents) return fail(`A job can wait for at most ${JOB_LIMITS.maxParents} others.`);
  return { ok: true, value: ids };
}

const AHEAD_DAYS = JOB_LIMITS.runAtAheadMs / 86_400_000;

/** A delay such as 10m or 2h: the start time it gives (epoch ms), counted from `now`. */
export function delayStart(text: string, now: number): Checked<number> {
  const ms = parseDuration(text);
  if (ms === null) return fail('Use a duration such as 90s, 10m or 2h.');
  if (ms > JOB_LIMITS.runAtAheadMs) return fail(`A delay may be at most ${AHEAD_DAYS} days.`);
  return { ok: true, value: now + ms };
}

/** A local date and time from a datetime-local input ("2030-06-01T14:00"), not in the past nor too far ahead. */
export function runAtStart(text: string, now: number): Checked<number> {
  const at = /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(text) ? parseIsoTime(text, 'local-default') : null;
  if (at === null) return fail('Pick a date and a time.');
  if (at < now - JOB_LIMITS.runAtPastMs) return fail('That time has passed: pick a future one, or use Delay.');
  if (at - now > JOB_LIMITS.runAtAheadMs) return fail(`At most ${AHEAD_DAYS} days ahead.`);
  return { ok: true, value: at };
}

/**
 * The directory a job or schedule runs in: required, absolute (on the daemon's machine). The forms ask for
 * it rather than let jobs run silently in the daemon's own directory, where a `make test` finds no Makefile.
 */
export function workingDir(text: string): Checked<string> {
  const dir = text.trim();
  if (dir === '') return fail('Enter the directory the command runs in, e.g. /home/you/project.');
  if (!dir.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(dir)) return fail('Give an absolute path, starting with /.');
  return { ok: true, value: dir };
}

const LAST_CWD_KEY = 'queuectl.last-cwd';

/** The working directory the user last enqueued or scheduled with (localStorage), or "". */
export function lastWorkingDir(): string {
  try {
    return localStorage.getItem(LAST_CWD_KEY) ?? '';
  } catch {
    return '';
  }
}

export function rememberWorkingDir(dir: string): void {
  try {
    localStorage.setItem(LAST_CWD_KEY, dir);
  } catch {
    // Storage refused: the form just starts empty next time.
  }
}
