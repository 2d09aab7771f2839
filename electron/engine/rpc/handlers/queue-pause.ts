import { QueueError, type QueuePauseResult, type ResultOf, type ResumedAll } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { checkQueueName } from '../../job-spec.js';
import { onlyFields } from '../only-fields.js';
import { asParams, invalid, optionalBool } from '../params.js';

/**
 * No job starts until `queue.resume`; running jobs go on. Stored, so it survives restarts. Without `queue`
 * it holds every queue (the switch the tray shows); with `queue` only that named queue, which must exist
 * (a job or `queue.set` named it): pausing a name nobody used is QUEUE_NOT_FOUND, so a typo cannot look
 * like a pause.
 */
export async function queuePause(ctx: EngineContext, raw: unknown): Promise<ResultOf<'queue.pause'>> {
  const p = asParams(raw);
  onlyFields(p, 'queue.pause', ['queue']);
  return await pauseOrResume(ctx, p.queue, true);
}

/**
 * Jobs start again: of every queue, or (with `queue`) of that named queue; with `all: true` both kinds of
 * switch at once (every named queue's own pause too), in one transaction.
 */
export async function queueResume(ctx: EngineContext, raw: unknown): Promise<ResultOf<'queue.resume'>> {
  const p = asParams(raw);
  onlyFields(p, 'queue.resume', ['queue', 'all']);
  if (optionalBool(p, 'all')) {
    if (p.queue !== undefined && p.queue !== null) throw invalid('queue.resume takes queue (one named queue) or all (every queue), not both');
    return await resumeAll(ctx);
  }
  return await pauseOrResume(ctx, p.queue, false);
}

/** An unknown-queue message names at most this many queues. */
const LISTED_QUEUES = 20;

async function pauseOrResume(ctx: EngineContext, queue: unknown, paused: boolean): Promise<QueuePauseResult> {
  if (queue === undefined || queue === null) return await ctx.setPaused(paused);
  const name = checkQueueName(queue, 'queue');
  const result = await ctx.setQueuePaused(name, paused);
  if (result === null) throw await unknownQueue(ctx, name);
  return result;
}

/**
 * `resume --all`: the switch over every queue and every named queue's own pause, lifted in one
 * transaction; then the in-memory switch (scheduler, tray) follows, and one `queue` event tells subscribers.
 */
async function resumeAll(ctx: EngineContext): Promise<QueuePauseResult> {
  const resumed = await ctx.store.resumeEverything();
  // Commits nothing more (the switch is off already): brings the scheduler's and the tray's copy along.
  await ctx.setPaused(false);
  const changed = resumed.all || resumed.queues.length > 0;
  if (changed) {
    ctx.log(`resumed by resume --all: ${describeResumed(resumed)}`);
    ctx.queuesChanged();
  }
  return { queue: null, paused: false, paused_since: null, changed, resumed };
}

/** "the pause of every queue and queues gpu, io", for the daemon's log. */
function describeResumed(r: ResumedAll): string {
  const parts: string[] = [];
  if (r.all) parts.push('the pause of every queue');
  if (r.queues.length > 0) parts.push(`${r.queues.length === 1 ? 'queue' : 'queues'} ${r.queues.join(', ')}`);
  return parts.join(' and ');
}

/** QUEUE_NOT_FOUND for a queue name that no job or setting ever used, listing the ones that exist. */
export async function unknownQueue(ctx: EngineContext, name: string): Promise<QueueError> {
  const names = (await ctx.store.queueInfos()).map((q) => q.name);
  const listed = names.slice(0, LISTED_QUEUES).join(', ') + (names.length > LISTED_QUEUES ? ` and ${names.length - LISTED_QUEUES} more` : '');
  return new QueueError(
    'QUEUE_NOT_FOUND',
    `no queue named "${name}"; queues: ${listed} (a queue exists once a job is enqueued in it or \`queue set\` creates it)`,
    { queue: name },
  );
}
