import { open } from 'node:fs/promises';

/** A piece of a job's log, as `logs` answers it and LogEvents carry it. */
export interface LogChunk {
  data: string;
  /** Where `data` starts in the file and where the next read should start. */
  offset: number;
  next_offset: number;
  /** Size of the file when it was read (0 when there is no file yet), or the read's `limit` if smaller. */
  size: number;
}

export interface ReadChunkOptions {
  /** Byte offset to start at; clamped to the file's size. */
  offset: number;
  /** Read only the last n bytes instead (overrides offset). */
  tailBytes?: number;
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

/** Reads one chunk of the log at `path`; a missing file reads as empty. Never splits a UTF-8 character. */
export async function readLogChunk(path: string, options: ReadChunkOptions): Promise<LogChunk> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { data: '', offset: 0, next_offset: 0, size: 0 };
    throw err;
  }
  try {
    const size = Math.min((await file.stat()).size, options.limit ?? Infinity);
    const offset = options.tailBytes !== undefined ? Math.max(0, size - options.tailBytes) : Math.min(options.offset, size);
    const length = Math.min(options.maxBytes, size - offset);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, offset);
    const end = completeUtf8(buffer, bytesRead, options.growing === true || offset + bytesRead < size);
    return { data: buffer.subarray(0, end).toString('utf8'), offset, next_offset: offset + end, size };
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
