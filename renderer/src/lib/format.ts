import { formatDuration } from '../../../protocol/duration.js';

const numbers = new Intl.NumberFormat();
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const shortDate = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** 10000 → "10,000" (in the reader's locale). */
export function num(n: number): string {
  return numbers.format(n);
}

/** "3 jobs", "1 job". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${num(n)} ${n === 1 ? word : many}`;
}

/** The full local date and time, for titles. */
export function absTime(iso: string | null): string {
  return iso ? dateTime.format(new Date(iso)) : '';
}

/** "just now", "12s ago", "5m ago", "3h ago", "2d ago", or "in 40s" for times ahead; a date past a week. */
export function relTime(iso: string, now: number): string {
  const t = Date.parse(iso);
  const diff = now - t;
  const ahead = diff < 0;
  const s = Math.round(Math.abs(diff) / 1000);
  let text: string;
  if (s < 5) return ahead ? 'in a moment' : 'just now';
  if (s < 60) text = `${s}s`;
  else if (s < 3600) text = `${Math.floor(s / 60)}m`;
  else if (s < 86_400) text = `${Math.floor(s / 3600)}h`;
  else if (s < 7 * 86_400) text = `${Math.floor(s / 86_400)}d`;
  else return shortDate.format(new Date(t));
  return ahead ? `in ${text}` : `${text} ago`;
}

/** Milliseconds for people: "850ms", "12.3s", "4m 05s". */
export function duration(ms: number | null): string {
  return ms === null ? '—' : formatDuration(ms);
}

/** Elapsed time since an ISO instant, for running things. */
export function since(iso: string, now: number): string {
  return formatDuration(Math.max(0, now - Date.parse(iso)));
}

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** A compact instant: the time of day for today, the day and time before that. */
export function stamp(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toDateString() === new Date().toDateString() ? timeOnly.format(d) : dayAndTime.format(d);
}

/** Time left, coarse as a person reads it: "40s", "12m", "19h 54m", "3d 4h". */
export function timeLeft(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/**
 * A failed run in one line: the last line it printed (what explains it, e.g. "make: *** No rule to make
 * target") before queuectl's own words ("exited with code 2"); either alone when the other is missing.
 */
export function failureSummary(error: string | null, lastLine: string | null): string {
  if (lastLine && error) return `${lastLine} · ${error}`;
  return lastLine ?? error ?? '';
}
