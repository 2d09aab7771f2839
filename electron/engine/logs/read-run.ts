import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { headerLength, MAX_HEADER_BYTES } from './notes.js';
import { readLogChunk, type LogChunk } from './read-chunk.js';
import type { Section } from './run-sections.js';

/** Never through a link planted at a log's name; a FIFO does not block the read. */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export interface ReadRunOptions {
  /** Byte offset in the file to read from; clamped into the run's output. Absent: where its output begins. */
  offset?: number;
  tailBytes?: number;
  maxBytes: number;
  /** How far the log is settled (JobLogs.limit). */
  limit: number;
}

/** A piece of one run's output, and where that output begins in the file (after the run's header). */
export interface RunChunk extends LogChunk {
  start: number;
}

/**
 * Reads a chunk of one run's section of the log at `path`, leaving out its header line (the run's number
 * and start time, which the caller knows): what is read is the run's output as its command wrote it.
 * `size` is where the section ends (the next run's start, or the log's end), `start` where its output begins.
 */
export async function readRunChunk(path: string, section: Section, options: ReadRunOptions): Promise<RunChunk> {
  const limit = Math.min(section.end, options.limit);
  const start = section.start + (await headerBytes(path, section.start, limit));
  const chunk = await readLogChunk(path, { offset: options.offset ?? start, tailBytes: options.tailBytes, maxBytes: options.maxBytes, limit, from: start });
  return { ...chunk, start: Math.min(start, chunk.size) };
}

/** How many bytes at `start` are a run header (0 when there is none, or the log cannot be read there). */
async function headerBytes(path: string, start: number, limit: number): Promise<number> {
  const length = Math.min(MAX_HEADER_BYTES, limit - start);
  if (!(length > 0)) return 0;
  let file;
  try {
    file = await open(path, READ_FLAGS);
  } catch {
    return 0;
  }
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, start);
    return headerLength(buffer.subarray(0, bytesRead));
  } catch {
    return 0;
  } finally {
    await file.close();
  }
}
