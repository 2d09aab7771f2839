import type { ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { readLogChunk } from '../../logs/read-chunk.js';
import { logPathFor } from '../../store/rows.js';
import { asParams, optionalInt, requireString } from '../params.js';

const CHUNK_CAP = 1024 * 1024;

/**
 * A chunk of a job's log; clients read on from next_offset until it equals size. While the job is not
 * finished, the log ends (and `size` says so) at the cap of the run writing it (see JobLogs.readLimit):
 * past it the file grows and is cut back, so those bytes are only read once the job has finished.
 */
export async function logs(ctx: EngineContext, raw: unknown): Promise<ResultOf<'logs'>> {
  const params = asParams(raw);
  const id = ctx.store.resolveId(requireString(params, 'id'));
  const maxBytes = optionalInt(params, 'max_bytes', 1, CHUNK_CAP) ?? CHUNK_CAP;
  const tailBytes = optionalInt(params, 'tail_bytes', 0, Number.MAX_SAFE_INTEGER);
  const offset = optionalInt(params, 'offset', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const limit = ctx.jobLogs.readLimit(id, ctx.store.getJob(id)?.state);
  const chunk = await readLogChunk(logPathFor(ctx.paths.logs, id), { offset, tailBytes, maxBytes, limit });
  return { id, ...chunk };
}
