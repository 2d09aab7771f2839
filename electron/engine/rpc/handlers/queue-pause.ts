import { QueueError, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { checkQueueName } from '../../job-spec.js';
import { onlyFields } from '../only-fields.js';
import { asParams } from '../params.js';

/**
 * No job starts until `queue.resume`; running jobs go on. Stored, so it survives restarts. Without `queue`
 * it holds every queue (the switch the tray shows); with `queue` only that named queue, which must exist
 * (a job or `queue.set` named it): pausing a name nobody used is refused, so a typo cannot look like a pause.
 */
export function queuePause(ctx: EngineContext, raw: unknown): ResultOf<'queue.pause'> {
  return pauseOrResume(ctx, raw, true);
}

/** Jobs start again: of every queue, or (with `queue`) of that named queue. */
export function queueResume(ctx: EngineContext, raw: unknown): ResultOf<'queue.resume'> {
  return pauseOrResume(ctx, raw, false);
}

/** An unknown-queue message names at most this many queues. */
const LISTED_QUEUES = 20;

function pauseOrResume(ctx: EngineContext, raw: unknown, paused: boolean): ResultOf<'queue.pause'> {
  const p = asParams(raw);
  const method = paused ? 'queue.pause' : 'queue.resume';
  onlyFields(p, method, ['queue']);
  if (p.queue === undefined || p.queue === null) return ctx.setPaused(paused);
  const name = checkQueueName(p.queue, 'queue');
  const result = ctx.setQueuePaused(name, paused);
  if (result === null) throw unknownQueue(ctx, name);
  return result;
}

/** INVALID_ARGUMENT for a queue name that no job or setting ever used, listing the ones that exist. */
export function unknownQueue(ctx: EngineContext, name: string): QueueError {
  const names = ctx.store.queueInfos().map((q) => q.name);
  const listed = names.slice(0, LISTED_QUEUES).join(', ') + (names.length > LISTED_QUEUES ? ` and ${names.length - LISTED_QUEUES} more` : '');
  return new QueueError(
    'INVALID_ARGUMENT',
    `no queue named "${name}"; queues: ${listed} (a queue exists once a job is enqueued in it or \`queue set\` creates it)`,
  );
}
