import { CLEANABLE_STATES, QueueError, type CleanableState, type ResultOf } from '../../../../protocol/index.js';
import { cleanFault, cleanInBatches, type CleanTally } from '../../clean.js';
import type { EngineContext } from '../../context.js';
import type { CleanFilter } from '../../store/transitions/clean.js';
import { asParams, invalid, optionalBool, optionalInt, type Params } from '../params.js';

/** Without `states`: completed and canceled. The DLQ (dead) is cleaned only when named. */
const DEFAULT_STATES: readonly CleanableState[] = ['completed', 'canceled'];

/**
 * Deletes finished jobs in bulk: of the states asked for (default completed and canceled), optionally only
 * those that finished more than `older_than_ms` ago (by finished_at: for a canceled job, when it was
 * canceled, whether it ever ran or not), with their attempts, then their logs. Jobs stored after the clean
 * began are left alone, and so are jobs whose run is still being killed (canceled, run still in the pool).
 *
 * In batches of CLEAN_BATCH jobs, each its own transaction, yielding between them, so the daemon keeps
 * answering and running jobs during a large clean. Not all-or-none: a storage fault or a stop in the middle
 * answers an error saying how many were deleted (`data.count`), then what stopped it (clean.ts `cleanFault`:
 * the store's own reason, never "nothing was changed"); run it again for the rest. With none deleted yet, the
 * store's error goes out as it is (it is true then).
 * `dry_run`: answers how many would be deleted now, deleting nothing.
 */
export async function jobsClean(ctx: EngineContext, raw: unknown): Promise<ResultOf<'jobs.clean'>> {
  const p = asParams(raw);
  const states = cleanStates(p);
  const olderThan = optionalInt(p, 'older_than_ms', 0, Number.MAX_SAFE_INTEGER);
  const dryRun = optionalBool(p, 'dry_run');
  const asOf = asOfTime(p);
  // Always bounded by time: only jobs that had finished by `asOf` (and, with older_than_ms, long before it).
  // That keeps a confirmed clean to what was counted, and a clean to the jobs finished when it began.
  const finishedBefore = asOf - (olderThan ?? 0) + 1;
  const maxSeq = await ctx.store.lastSeq();
  const filters: CleanFilter[] = states.map((state) => ({ state, finishedBefore, maxSeq }));

  if (dryRun) {
    const keep = ctx.pool.running().map((run) => run.jobId);
    const counts = await Promise.all(filters.map((filter) => ctx.store.countClean(filter, keep)));
    return { count: counts.reduce((sum, n) => sum + n, 0), as_of: new Date(asOf).toISOString() };
  }
  if (ctx.stopping()) throw new QueueError('SHUTTING_DOWN', 'the queue is stopping; nothing was deleted');

  const tally: CleanTally = { count: 0 };
  try {
    for (const filter of filters) {
      const finished = await cleanInBatches(ctx, (keep) => ctx.store.cleanBatch(filter, keep), () => ctx.stopping(), tally);
      if (!finished) {
        throw new QueueError(
          'SHUTTING_DOWN',
          `the queue began stopping during the clean: ${deleted(tally.count)} deleted, the rest were kept; run clean again once it runs`,
          { count: tally.count },
        );
      }
    }
  } catch (err) {
    const fault = tally.count === 0 ? null : cleanFault(err);
    if (fault === null) throw err;
    ctx.log(`storage error during jobs.clean after ${tally.count} deletions: ${fault.cause}`);
    throw new QueueError('STORAGE_ERROR', `${fault.cause} after ${deleted(tally.count)} deleted; ${fault.kept}. ${fault.advice}`, { count: tally.count });
  }
  return { count: tally.count, as_of: new Date(asOf).toISOString() };
}

/** `as_of` (ISO, at most now), or now. */
function asOfTime(p: Params): number {
  const now = Date.now();
  if (p.as_of === undefined || p.as_of === null) return now;
  const t = typeof p.as_of === 'string' ? Date.parse(p.as_of) : NaN;
  if (!Number.isFinite(t)) throw invalid('as_of must be an ISO time such as 2026-01-31T12:00:00Z');
  if (t > now + 1000) throw invalid('as_of must not be in the future');
  return Math.min(t, now);
}

const deleted = (n: number): string => (n === 1 ? '1 job was' : `${n} jobs were`);

/** `states`: a non-empty array of finished states (each once); pending, processing and failed are refused. */
function cleanStates(p: Params): CleanableState[] {
  const raw = p.states;
  if (raw === undefined || raw === null) return [...DEFAULT_STATES];
  if (!Array.isArray(raw)) throw invalid(`states must be an array of states (${CLEANABLE_STATES.join(', ')})`);
  if (raw.length === 0) throw invalid(`states must name at least one state (${CLEANABLE_STATES.join(', ')}), or be left out for completed and canceled`);
  const states: CleanableState[] = [];
  raw.forEach((state: unknown, i) => {
    if (typeof state !== 'string') throw invalid(`states[${i}] must be a string`);
    if (!(CLEANABLE_STATES as readonly string[]).includes(state)) {
      if (['pending', 'processing', 'failed'].includes(state)) {
        throw new QueueError('INVALID_ARGUMENT', `${state} jobs cannot be cleaned: only completed, dead and canceled jobs can (cancel them first)`, { state });
      }
      throw invalid(`unknown state ${JSON.stringify(state).slice(0, 80)}; clean takes ${CLEANABLE_STATES.join(', ')}`);
    }
    if (!states.includes(state as CleanableState)) states.push(state as CleanableState);
  });
  return states;
}
