import { isUtf8 } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isQueuectlLine } from './notes.js';

/** How much of a run's section is read, from its end, to find its last line. */
const TAIL_BYTES = 4096;
/** The longest summary kept; a longer line is cut and ends with an ellipsis. */
export const MAX_LAST_LINE = 200;

/** Never through a link planted at a log's name; a FIFO does not block the read. */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * A finished run's summary: the last non-empty line of its section of the log (from `start` to the log's
 * end), read from the last 4 KiB only. queuectl's own lines (a run header, the truncation note) are skipped,
 * terminal colour codes removed, the line trimmed and cut to MAX_LAST_LINE characters. Null when the run
 * printed nothing, printed bytes that are not text, or the log cannot be read.
 */
export function readLastLine(path: string, start: number): string | null {
  let fd: number;
  try {
    fd = openSync(path, READ_FLAGS);
  } catch {
    return null;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size <= start) return null;
    const from = Math.max(start, stat.size - TAIL_BYTES);
    const buffer = Buffer.alloc(stat.size - from);
    const length = readSync(fd, buffer, 0, buffer.length, from);
    return lastLineOf(buffer.subarray(0, length), from > start);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * The last non-empty line of `tail`, as readLastLine keeps it. `cut`: the tail does not begin at the
 * section's start, so its first line may be the end of a longer one (it is then marked with an ellipsis).
 */
export function lastLineOf(tail: Buffer, cut: boolean): string | null {
  let end = tail.length;
  while (end > 0) {
    const begin = tail.lastIndexOf(0x0a, end - 1) + 1;
    const bytes = tail.subarray(begin, end);
    end = begin - 1;
    const partial = cut && begin === 0;
    // A multi-byte character cut by the 4 KiB window is not binary output: drop its pieces first.
    const whole = partial ? bytes.subarray(leadingContinuations(bytes)) : bytes;
    if (!isUtf8(whole) || whole.includes(0)) return null;
    // A progress line rewritten with carriage returns shows its last state.
    const shown = stripAnsi(whole.toString('utf8')).split('\r').map((part) => part.trim()).filter((part) => part !== '');
    const line = shown.at(-1) ?? '';
    if (line === '' || isQueuectlLine(line)) continue;
    return shorten(partial ? `…${line}` : line);
  }
  return null;
}

/** Colour and cursor codes (CSI and OSC sequences) a terminal would not show as text. */
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

function shorten(line: string): string {
  const chars = [...line];
  return chars.length <= MAX_LAST_LINE ? line : `${chars.slice(0, MAX_LAST_LINE - 1).join('')}…`;
}

function leadingContinuations(bytes: Buffer): number {
  let n = 0;
  while (n < bytes.length && n < 3 && (bytes[n]! & 0xc0) === 0x80) n++;
  return n;
}
