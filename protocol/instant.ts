/**
 * ISO 8601 dates and times, parsed strictly: out-of-range fields (month 13, February 30, 24:00, second 60)
 * are refused rather than rolled over, as `new Date()` would.
 */

const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

/** How a time without a zone is read. */
export type ZonePolicy =
  /** On the wire: the sender's zone is not the receiver's, so a time must carry `Z` or an offset. */
  | 'required'
  /** Typed by a person: without a zone it is the local time of this machine; a date alone is local midnight. */
  | 'local-default';

/** Days in a month of the proleptic Gregorian calendar. */
function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** `text` as epoch ms, or null when it is malformed, out of range, or lacks a zone that `zone` requires. */
export function parseIsoTime(text: string, zone: ZonePolicy): number | null {
  const m = TIME.exec(text.trim());
  if (!m) return null;
  const hasZone = m[8] !== undefined || m[9] !== undefined;
  if (zone === 'required' && (!hasZone || m[4] === undefined)) return null;
  const [year, month, day] = [m[1], m[2], m[3]].map(Number) as [number, number, number];
  const [hour, minute, second] = [m[4], m[5], m[6]].map((v) => (v === undefined ? 0 : Number(v))) as [number, number, number];
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(0);
  if (!hasZone) {
    date.setFullYear(year, month - 1, day);
    date.setHours(hour, minute, second, ms);
    return date.getTime();
  }
  let offset = 0;
  if (m[9] !== undefined) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 23 || om > 59) return null;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime() - offset;
}
