import { open } from 'node:fs/promises';
import type { ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { logPathFor } from '../../store/rows.js';
import { asParams, optionalInt, requireString } from '../params.js';

const CHUNK_CAP = 1024 * 1024;

/** A chunk of a job's log; clients read on from next_offset until it equals size. */
export async function logs(ctx: EngineContext, raw: unknown): Promise<ResultOf<'logs'>> {
  const params = asParams(raw);
  const id = ctx.store.resolveId(requireString(params, 'id'));
  const maxBytes = optionalInt(params, 'max_bytes', 1, CHUNK_CAP) ?? CHUNK_CAP;
  const tail = optionalInt(params, 'tail_bytes', 0, Number.MAX_SAFE_INTEGER);
  const from = optionalInt(params, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  let file;
  try {
    file = await open(logPathFor(ctx.paths.logs, id), 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { id, data: '', offset: 0, next_offset: 0, size: 0 };
    throw err;
  }
  try {
    const { size } = await file.stat();
    const offset = tail !== undefined ? Math.max(0, size - tail) : Math.min(from, size);
    const length = Math.min(maxBytes, size - offset);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, offset);
    const end = completeUtf8(buffer, bytesRead, offset + bytesRead < size);
    return { id, data: buffer.subarray(0, end).toString('utf8'), offset, next_offset: offset + end, size };
  } finally {
    await file.close();
  }
}

/** Ends a chunk on a character boundary when more follows, so a multi-byte character is never split. */
function completeUtf8(buffer: Buffer, length: number, more: boolean): number {
  if (!more) return length;
  let end = length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = buffer[end - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return back < need ? end - back : end;
  }
  return end;
}
