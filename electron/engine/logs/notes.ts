/**
 * The lines queuectl itself writes into a job's log, written (worker/log-file.ts) and recognised (the
 * `logs --run` reader, a run's summary line) from this one place.
 */

const HEADER = /^\n?── queuectl: run \d+ · [^\n]* ──\n/;
const OWN_LINE = /^(?:── queuectl: run \d+ · .* ──|\[queuectl: log truncated at \d+ bytes \(.*\); further output discarded\])$/;

/**
 * Heads the section of each run after the first: `── queuectl: run N · <ISO start> ──`, on a line of its
 * own (after a line break when the log already holds earlier runs' output).
 */
export function runHeader(attempt: number, startedMs: number, logEmpty: boolean): string {
  return `${logEmpty ? '' : '\n'}── queuectl: run ${attempt} · ${new Date(startedMs).toISOString()} ──\n`;
}

/** Ends a section cut at its cap: what was cut, and which cap did it (`limit` names the setting). */
export function truncationNote(maxBytes: number, limit: string): string {
  return `\n[queuectl: log truncated at ${maxBytes} bytes (${limit}); further output discarded]\n`;
}

/** How many bytes at the start of a run's section are its header (0 when it has none: run 1, or an old log). */
export function headerLength(start: Buffer): number {
  const match = HEADER.exec(start.toString('utf8'));
  return match ? Buffer.byteLength(match[0]) : 0;
}

/** The longest a header can be, so a reader knows how much of a section to look at for one. */
export const MAX_HEADER_BYTES = 96;

/** True for a line (without its line break) that queuectl wrote, not the job: a run header or a truncation note. */
export function isQueuectlLine(line: string): boolean {
  return OWN_LINE.test(line);
}
