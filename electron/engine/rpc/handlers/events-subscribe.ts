import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import type { Session } from '../session.js';
import { asParams, optionalBool, optionalInt, requireString } from '../params.js';

/** Replaces what the calling client receives: job changes, and/or one job's log as it grows. */
export async function eventsSubscribe(ctx: EngineContext, raw: unknown, session: Session): Promise<ResultOf<'events.subscribe'>> {
  const params = asParams(raw);
  const jobs = optionalBool(params, 'jobs');
  let log: { id: string; offset?: number } | null = null;
  if (params.log !== undefined && params.log !== null) {
    if (typeof params.log !== 'object' || Array.isArray(params.log)) throw new QueueError('INVALID_ARGUMENT', 'log must be {"id": ..., "offset": ...} or null');
    const spec = params.log as Record<string, unknown>;
    log = { id: await ctx.store.resolveId(requireString(spec, 'id')), offset: optionalInt(spec, 'offset', 0, Number.MAX_SAFE_INTEGER) };
  }
  return ctx.hub.subscribe(session, { jobs, log });
}
