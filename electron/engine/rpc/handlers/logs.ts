import type { ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import type { LogChunk } from '../../logs/read-chunk.js';
import { readLogChunk } from '../../logs/read-chunk.js';
import { readRunChunk } from '../../logs/read-run.js';
import { runSection } from '../../logs/run-sections.js';
import { logPathFor } from '../../store/rows.js';
import { asParams, invalid, optionalInt, requireString, type Params } from '../params.js';

const CHUNK_CAP = 1024 * 1024;

/**
 * A chunk of a job's log, all its runs in order (each after the first headed in the file), or with `run` of
 * one run's output; clients read on from next_offset until it equals size. While a run of the job is under
 * way, the log ends (and `size` says so) at that run's cap (JobLogs.limit): past it the file grows and is
 * cut back, so those bytes are only read once the run has ended.
 */
export async function logs(ctx: EngineContext, raw: unknown): Promise<ResultOf<'logs'>> {
  const params = asParams(raw);
  const id = await ctx.store.resolveId(requireString(params, 'id'));
  const maxBytes = optionalInt(params, 'max_bytes', 1, CHUNK_CAP) ?? CHUNK_CAP;
  const tailBytes = optionalInt(params, 'tail_bytes', 0, Number.MAX_SAFE_INTEGER);
  const offset = optionalInt(params, 'offset', 0, Number.MAX_SAFE_INTEGER);
  const run = optionalRun(params);
  const path = logPathFor(ctx.paths.logs, id);
  if (run === undefined) {
    const chunk = await settled(ctx, id, (limit) => readLogChunk(path, { offset: offset ?? 0, tailBytes, maxBytes, limit }));
    return { id, ...chunk };
  }
  const runs = await ctx.store.attempts(id);
  const number = run === 'latest' ? runs.at(-1)?.number : run;
  // `latest` of a job that never ran: nothing, as `logs` of it answers.
  if (number === undefined) return { id, data: '', offset: 0, next_offset: 0, size: 0 };
  const section = runSection(runs, number);
  if (section === null) {
    throw invalid(runs.length === 0 ? `job ${id} has not run yet; it has no run ${number}` : `job ${id} has no run ${number}; its runs are numbered 1 to ${runs.at(-1)!.number}`);
  }
  const chunk = await settled(ctx, id, (limit) => readRunChunk(path, section, { offset, tailBytes, maxBytes, limit }));
  return { id, run: number, ...chunk };
}

/**
 * Reads with the log's settled limit, and again with the new one if a run of the job started during the
 * read and its cap now ends before what was read (JobLogs.limit only ever drops when a run starts).
 */
async function settled<T extends LogChunk>(ctx: EngineContext, id: string, read: (limit: number) => Promise<T>): Promise<T> {
  for (;;) {
    const limit = ctx.jobLogs.limit(id);
    const chunk = await read(limit);
    if (chunk.next_offset <= ctx.jobLogs.limit(id)) return chunk;
  }
}

/** `run`: a run's number (as `show` lists them) or "latest"; absent for the whole log. */
function optionalRun(params: Params): number | 'latest' | undefined {
  if (params.run === 'latest') return 'latest';
  if (typeof params.run === 'string') throw invalid(`run must be a run number or "latest", got "${params.run}"`);
  return optionalInt(params, 'run', 1, Number.MAX_SAFE_INTEGER);
}
