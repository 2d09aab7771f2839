/**
 * Framing: one JSON object per line (UTF-8, `\n`-terminated). A line longer than the cap is refused whole.
 */

/** Largest accepted line, in bytes. Bulk enqueue splits its batches below this. */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

const NEWLINE = 0x0a;

/** Encodes one message as a line. */
export function encodeFrame(message: unknown): string {
  return JSON.stringify(message) + '\n';
}

/**
 * What the splitter found in a chunk: whole lines in order, with null standing for a line that was not
 * valid UTF-8 (so an answer can keep its place); whether any line was bad; whether a line overflowed the cap.
 */
export type SplitResult = { lines: Array<string | null>; overflow: boolean; badUtf8: boolean };

/**
 * Splits a byte stream into lines without copying more than needed. A line that is not valid UTF-8
 * comes out as null in its place; a line over the cap sets overflow and the splitter stops.
 */
export class LineSplitter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly maxBytes: number = MAX_FRAME_BYTES) {}

  push(chunk: Uint8Array): SplitResult {
    const lines: Array<string | null> = [];
    let badUtf8 = false;
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, nl);
      if (this.pendingBytes + piece.length > this.maxBytes) return { lines, overflow: true, badUtf8 };
      const bytes = this.pending.length ? concat([...this.pending, piece], this.pendingBytes + piece.length) : piece;
      this.pending = [];
      this.pendingBytes = 0;
      start = nl + 1;
      try {
        const line = this.decoder.decode(bytes);
        if (line.trim() !== '') lines.push(line);
      } catch {
        badUtf8 = true;
        lines.push(null);
      }
    }
    const rest = chunk.subarray(start);
    if (rest.length) {
      if (this.pendingBytes + rest.length > this.maxBytes) return { lines, overflow: true, badUtf8 };
      this.pending.push(rest.slice());
      this.pendingBytes += rest.length;
    }
    return { lines, overflow: false, badUtf8 };
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
