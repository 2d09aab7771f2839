import { formatDuration, type Job } from '../protocol/index.js';

/** Prints data for scripts: one JSON document. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printLine(text = ''): void {
  process.stdout.write(text + '\n');
}

/** A hint for people; stays off stdout so scripts never parse it. */
export function note(text: string): void {
  process.stderr.write(text + '\n');
}

const useColor = (): boolean => process.stdout.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';

const paint = (code: number) => (text: string) => (useColor() ? `\x1b[${code}m${text}\x1b[0m` : text);
export const dim = paint(2);
export const bold = paint(1);
const red = paint(31);
const green = paint(32);
const yellow = paint(33);
const cyan = paint(36);
const magenta = paint(35);

export function colorState(state: Job['state']): string {
  switch (state) {
    case 'completed':
      return green(state);
    case 'failed':
      return yellow(state);
    case 'dead':
      return red(state);
    case 'processing':
      return cyan(state);
    case 'canceled':
      return magenta(state);
    case 'pending':
      return state;
    default: {
      const never: never = state;
      return never;
    }
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const visible = (s: string): number => s.replace(ANSI, '').length;

/**
 * Prints rows as aligned columns. The last column is cut to the terminal width on a TTY
 * (unless `wide`); without a TTY nothing is cut.
 */
export function printTable(headers: string[], rows: string[][], wide = false): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ''))));
  const cols = process.stdout.isTTY && !wide ? process.stdout.columns || 120 : Infinity;
  const line = (cells: string[]): string => {
    const head = cells.slice(0, -1).map((c, i) => c + ' '.repeat(widths[i]! - visible(c))).join('  ');
    let last = cells[cells.length - 1] ?? '';
    const room = cols - visible(head) - 2;
    if (Number.isFinite(room) && visible(last) > room) last = room > 1 ? last.slice(0, room - 1) + '…' : '';
    return (head ? head + '  ' : '') + last;
  };
  printLine(bold(line(headers)));
  for (const r of rows) printLine(line(r));
}

/** "3s ago", "in 2m 05s" relative to now. */
export function relative(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  const delta = Date.parse(iso) - now;
  if (Math.abs(delta) < 1000) return 'now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}

/** Commands shown on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ⏎ ');
}
