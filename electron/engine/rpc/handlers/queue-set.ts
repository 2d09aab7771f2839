import { QUEUE_LIMITS, type QueueInfo, type ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { checkQueueName } from '../../job-spec.js';
import type { QueueSettings } from '../../store/transitions/queue-pause.js';
import { onlyFields } from '../only-fields.js';
import { asParams, invalid, optionalInt, type Params } from '../params.js';

const FIELDS = ['name', 'parallel', 'pause_on_dead'] as const;

/**
 * Changes a named queue's settings, creating the queue when no job or setting named it yet; applied at once
 * (committed, then announced, then the scheduler woken: a raised limit starts jobs now). A lower limit
 * never stops running jobs: new ones wait until the queue is below it. Turning pause_on_dead on does not
 * look back at jobs that are dead already.
 */
export async function queueSet(ctx: EngineContext, raw: unknown): Promise<ResultOf<'queue.set'>> {
  const p = asParams(raw);
  onlyFields(p, 'queue.set', FIELDS);
  const name = checkQueueName(p.name, 'name');
  const settings = queueSettings(p);
  const { created, changed } = await ctx.store.configureQueue(name, settings);
  const queue = (await ctx.store.queueInfo(name))!;
  if (created || changed) {
    ctx.log(`queue ${name} ${created ? 'created' : 'changed'}: ${describe(queue)}`);
    ctx.queuesChanged();
  }
  return { queue, created };
}

/** The settings given; at least one. */
function queueSettings(p: Params): QueueSettings {
  const settings: QueueSettings = {};
  if (p.parallel === null) settings.parallel = null;
  else if (p.parallel !== undefined) {
    settings.parallel = optionalInt(p, 'parallel', 1, QUEUE_LIMITS.parallel);
  }
  if (p.pause_on_dead !== undefined) {
    if (typeof p.pause_on_dead !== 'boolean') throw invalid(`pause_on_dead must be true or false, got ${JSON.stringify(p.pause_on_dead)}`);
    settings.pause_on_dead = p.pause_on_dead;
  }
  if (settings.parallel === undefined && settings.pause_on_dead === undefined) {
    throw invalid(`queue.set needs at least one setting: parallel (1 to ${QUEUE_LIMITS.parallel}, or null for no limit) or pause_on_dead (true or false)`);
  }
  return settings;
}

/** The settings as the daemon's log says them. */
function describe(q: QueueInfo): string {
  return `parallel ${q.parallel ?? 'no limit'}, pause_on_dead ${q.pause_on_dead ? 'on' : 'off'}`;
}
