import { formatDuration } from '../protocol/index.js';

/**
 * Text for people on a terminal: how wide it is, how wide a string shows, cutting to a width, making
 * untrusted text (commands, errors) safe to print, and times and durations in words.
 */

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** The text without colour codes. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Columns one code point takes on a terminal: 0 for combining marks, 2 for wide East Asian and emoji. */
function charWidth(cp: number): number {
  if (cp < 0x300) return 1;
  if (
    (cp >= 0x300 && cp <= 0x36f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x20d0 && cp <= 0x20ff)
  ) {
    return 0;
  }
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** How many terminal columns the text takes (colour codes take none). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of stripAnsi(text)) width += charWidth(ch.codePointAt(0)!);
  return width;
}

/**
 * The text cut to at most `width` columns, ending in "…" when something was cut. Colour codes are kept
 * (they take no room); a cut text that had any ends with a reset, so no colour stays switched on.
 */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  let colored = false;
  // eslint-disable-next-line no-control-regex
  for (const token of text.split(/(\x1b\[[0-9;?]*[A-Za-z])/)) {
    if (token.startsWith('\x1b[')) {
      out += token;
      colored = true;
      continue;
    }
    for (const ch of token) {
      const w = charWidth(ch.codePointAt(0)!);
      if (used + w > width - 1) return out + '…' + (colored ? '\x1b[0m' : '');
      out += ch;
      used += w;
    }
  }
  return out + '…' + (colored ? '\x1b[0m' : '');
}

/** Pads with spaces to `width` columns (on the right, or on the left for numbers). */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/**
 * Untrusted text (a command, an error message) on one line and safe for a terminal: line breaks become
 * " ⏎ ", tabs a space, and other control characters (escape sequences could move the cursor or retitle the
 * window) are shown as \xNN.
 */
export function safeLine(text: string): string {
  return text
    .replace(/\s*\r?\n\s*/g, ' ⏎ ')
    .replace(/\t/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Like safeLine but keeps line breaks (for `show`, which prints a command in full). */
export function safeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\t/g, '  ').replace(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const positive = (raw: string | undefined): number | null => {
  if (!raw || !/^\d+$/.test(raw.trim())) return null;
  const n = Number(raw);
  return n > 0 ? n : null;
};

/**
 * The terminal's width in columns: $COLUMNS when it is set to a positive number (so scripts, tests and
 * terminals that report no size can say), else what the terminal reports, else 80.
 */
export function terminalWidth(): number {
  return positive(process.env.COLUMNS) ?? (process.stdout.columns || 80);
}

/** The terminal's height in lines: $LINES, else what the terminal reports; 0 when unknown. */
export function terminalHeight(): number {
  return positive(process.env.LINES) ?? (process.stdout.rows || 0);
}

const two = (n: number): string => String(n).padStart(2, '0');

/** A moment in local time for people: "2025-03-01 14:05:09". */
export function localTime(iso: string | null): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** "3s ago", "in 2m 05s", "now", relative to `now`. */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  const delta = Date.parse(iso) - now;
  if (Number.isNaN(delta)) return iso;
  if (Math.abs(delta) < 1000) return 'now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}

/** "2025-03-01 14:05:09 (3m 05s ago)". */
export function timeAndAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  return `${localTime(iso)} (${ago(iso, now)})`;
}

/** How long from `start` to `end` (or to now), or null without a start. */
export function elapsed(start: string | null, end: string | null, now = Date.now()): number | null {
  if (!start) return null;
  const from = Date.parse(start);
  const to = end ? Date.parse(end) : now;
  if (Number.isNaN(from) || Number.isNaN(to)) return null;
  return Math.max(0, to - from);
}
