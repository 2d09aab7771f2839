/**
 * A job's environment and umask, as the wire carries them, and their checks (the CLI runs them early, the
 * daemon again, authoritatively).
 *
 * - `env` is a job's whole environment: exactly these variables, plus the `QUEUECTL_*` ones the daemon adds
 *   (which win). `null` (or left out) means the queue's own environment: the daemon's (or the desktop app's)
 *   variables when the job starts; the dashboard and old clients send that. `queuectl enqueue` sends the
 *   environment it was run in, or the minimal one (`--no-env`, or a JSON spec with "env").
 * - `umask` is octal text such as "0022"; left out: DEFAULT_UMASK.
 */

/** Limits on a job's environment, in the style of JOB_LIMITS. */
export const ENV_LIMITS = {
  /** Most bytes in all: each variable counts `NAME=value` plus its NUL, as exec counts them. */
  totalBytes: 256 * 1024,
  /** Most bytes of one `NAME=value` (Linux refuses a longer one, MAX_ARG_STRLEN, at exec). */
  variableBytes: 128 * 1024 - 1,
  /** Most variables. */
  count: 4096,
} as const;

/** The umask of a job whose client did not say (the dashboard, the desktop app, older clients). */
export const DEFAULT_UMASK = 0o022;

/** umask as text: one to four octal digits, at most 0777. */
const UMASK_PATTERN = /^[0-7]{1,4}$/;

/** The umask text as a number, or null when it is not one to four octal digits up to 0777. */
export function parseUmask(value: unknown): number | null {
  if (typeof value !== 'string' || !UMASK_PATTERN.test(value)) return null;
  const mask = parseInt(value, 8);
  return mask <= 0o777 ? mask : null;
}

/** A umask as `umask` prints it: four octal digits ("0022"). */
export function formatUmask(mask: number): string {
  return mask.toString(8).padStart(4, '0');
}

/** Bytes of a string in UTF-8, without Buffer (protocol/ runs in the browser too). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** What is wrong with one variable's name, or null. */
export function envNameProblem(name: string): string | null {
  if (name === '') return 'a variable name must not be empty';
  if (name.includes('=')) return `variable name ${JSON.stringify(name)} must not contain "="`;
  if (name.includes('\0')) return `variable name ${JSON.stringify(name)} must not contain NUL bytes`;
  return null;
}

/**
 * What is wrong with an environment from the wire (`field` names it in the message: "env"), or null when it
 * is an object of strings within ENV_LIMITS. `null` is fine (the queue's environment).
 */
export function envProblem(value: unknown, field = 'env'): string | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    return `${field} must be an object of variables, e.g. {"MYVAR":"hello"}, or null; got ${JSON.stringify(value)}`;
  }
  const names = Object.keys(value);
  if (names.length > ENV_LIMITS.count) return `${field} has ${names.length} variables; the limit is ${ENV_LIMITS.count}`;
  let total = 0;
  for (const name of names) {
    const nameProblem = envNameProblem(name);
    if (nameProblem) return `${field}: ${nameProblem}`;
    const v = (value as Record<string, unknown>)[name];
    if (typeof v !== 'string') return `${field}.${name} must be a string, got ${JSON.stringify(v)}`;
    if (v.includes('\0')) return `${field}.${name} must not contain NUL bytes`;
    const bytes = utf8Length(name) + 1 + utf8Length(v);
    if (bytes > ENV_LIMITS.variableBytes) return `${field}.${name} is ${bytes} bytes; one variable may have at most ${ENV_LIMITS.variableBytes}`;
    total += bytes + 1;
  }
  if (total > ENV_LIMITS.totalBytes) return `${field} is ${total} bytes; a job's environment may have at most ${ENV_LIMITS.totalBytes} (256 KiB)`;
  return null;
}

/** What is wrong with a umask from the wire, or null. */
export function umaskProblem(value: unknown, field = 'umask'): string | null {
  return parseUmask(value) === null ? `${field} must be octal text such as "0022" (at most "0777"); got ${JSON.stringify(value)}` : null;
}
