import { formatDuration, type Job } from '../protocol/index.js';
import { displayWidth, terminalWidth, truncate } from './format.js';

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

/**
 * Colour: never when NO_COLOR is set (to anything but ''), whatever else says; FORCE_COLOR=0 (or false)
 * turns it off, any other FORCE_COLOR turns it on even without a terminal (a pager that shows colour);
 * else only on a terminal that is not TERM=dumb.
 */
export function colorEnabled(env: NodeJS.ProcessEnv = process.env, isTTY = process.stdout.isTTY === true): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return !/^(0|false)$/i.test(force.trim());
  return isTTY && env.TERM !== 'dumb';
}

const useColor = (): boolean => colorEnabled();

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

const visible = displayWidth;

/**
 * Prints rows as aligned columns. The last column is cut to the terminal width on a TTY
 * (unless `wide`); without a TTY nothing is cut.
 */
export function printTable(headers: string[], rows: string[][], wide = false): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ''))));
  const cols = process.stdout.isTTY && !wide ? terminalWidth() : Infinity;
  const line = (cells: string[]): string => {
    const head = cells.slice(0, -1).map((c, i) => c + ' '.repeat(widths[i]! - visible(c))).join('  ');
    let last = cells[cells.length - 1] ?? '';
    const room = cols - visible(head) - 2;
    if (Number.isFinite(room) && visible(last) > room) last = room > 1 ? truncate(last, room) : '';
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
