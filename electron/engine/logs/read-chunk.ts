import { isUtf8 } from 'node:buffer';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { LogBytes } from '../../../protocol/log-chunk.js';

/** Never through a link planted at a log's name (docs/security.md); a FIFO does not block the read. */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** A piece of a job's log, as `logs` answers it and LogEvents carry it: text, and the exact bytes when they are not UTF-8. */
export interface LogChunk extends LogBytes {
  /** Where `data` starts in the file and where the next read should start. */
  offset: number;
  next_offset: number;
  /** Size of the file when it was read (0 when there is no file yet), or the read's `limit` if smaller. */
  size: number;
}

export interface ReadChunkOptions {
  /** Byte offset to start at; clamped to `from` and the file's size. */
  offset: number;
  /** Read only the last n bytes instead (overrides offset), never before `from`. */
  tailBytes?: number;
  /** Where the part of the file being read begins (one run's section: logs/run-sections.ts); 0 by default. */
  from?: number;
  maxBytes: number;
  /**
   * Treat the file as ending here if it is longer: bytes past it are not settled yet (a running job's log
   * past its cap, which is cut back at intervals). Offsets and `size` are clamped to it.
   */
  limit?: number;
  /**
   * The file may still grow (its job runs): never end on a partial character, even at the end of the file,
   * since its other bytes are still to come. Otherwise only a cut in the middle of the file is moved back.
   */
  growing?: boolean;
}

/**
 * Reads one chunk of the log at `path`; a missing file reads as empty. Never splits a UTF-8 character (a
 * cut one is left for the next chunk), so the text of each chunk reads right on its own; the offsets are
 * exact, so the chunks' bytes put together are the file's. Anything but a plain file reads as empty too: a
 * symlink planted at the name is not followed.
 */
export async function readLogChunk(path: string, options: ReadChunkOptions): Promise<LogChunk> {
  const empty = { data: '', offset: 0, next_offset: 0, size: 0 };
  let file;
  try {
    file = await open(path, READ_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') return empty;
    throw err;
  }
  try {
    const stat = await file.stat();
    if (!stat.isFile()) return empty;
    const size = Math.min(stat.size, options.limit ?? Infinity);
    const from = Math.min(options.from ?? 0, size);
    const offset = options.tailBytes !== undefined ? Math.max(from, size - options.tailBytes) : Math.min(Math.max(options.offset, from), size);
    const length = Math.min(options.maxBytes, size - offset);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, offset);
    const end = completeUtf8(buffer, bytesRead, options.growing === true || offset + bytesRead < size);
    return { ...logBytes(buffer.subarray(0, end)), offset, next_offset: offset + end, size };
  } finally {
    await file.close();
  }
}

/**
 * How many of the first `length` bytes to send so the chunk ends on a character boundary when more bytes
 * follow (`more`): a multi-byte character cut at the end is left for the next chunk.
 */
export function completeUtf8(buffer: Buffer, length: number, more: boolean): number {
  if (!more) return length;
  const end = length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = buffer[end - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return back < need ? end - back : end;
  }
  return end;
}

/** A chunk's bytes as they travel: the text, and the bytes themselves when the text cannot give them back. */
export function logBytes(bytes: Buffer): LogBytes {
  const data = bytes.toString('utf8');
  return isUtf8(bytes) ? { data } : { data, data_base64: bytes.toString('base64') };
}
