import type { MethodName, ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import type { Session } from '../session.js';
import { cancel } from './cancel.js';
import { configGet, configList, configSet } from './config.js';
import { daemonStop } from './daemon-stop.js';
import { dlqPurge } from './dlq-purge.js';
import { dlqRetry } from './dlq-retry.js';
import { eventsSubscribe } from './events-subscribe.js';
import { jobRemove } from './job-remove.js';
import { jobRetry } from './job-retry.js';
import { jobRunNow } from './job-run-now.js';
import { jobsBulk } from './jobs-bulk.js';
import { jobsClean } from './jobs-clean.js';
import { enqueue } from './enqueue.js';
import { enqueueBatch } from './enqueue-batch.js';
import { list } from './list.js';
import { logs } from './logs.js';
import { show } from './show.js';
import { queueList } from './queue-list.js';
import { queuePause, queueResume } from './queue-pause.js';
import { queueSet } from './queue-set.js';
import { scheduleAdd } from './schedule-add.js';
import { scheduleList } from './schedule-list.js';
import { scheduleEdit } from './schedule-edit.js';
import { schedulePause, scheduleResume } from './schedule-pause.js';
import { scheduleRemove } from './schedule-remove.js';
import { scheduleRunNow } from './schedule-run-now.js';
import { stats } from './stats.js';
import { status } from './status.js';
import { uiShow } from './ui-show.js';
import { uiWeb } from './ui-web.js';

/** Every method but hello, which the connection handles itself. */
export type HandledMethod = Exclude<MethodName, 'hello'>;

/**
 * Answers method `M` for the client behind `session`, with the result protocol/methods.ts promises for it.
 * Params are untrusted; handlers check them.
 */
export type Handler<M extends HandledMethod> = (ctx: EngineContext, params: unknown, session: Session) => ResultOf<M> | Promise<ResultOf<M>>;

/** One handler per method, each checked against its own result type. */
export const HANDLERS: { readonly [M in HandledMethod]: Handler<M> } = {
  enqueue,
  'enqueue.batch': enqueueBatch,
  status,
  list,
  show,
  logs,
  cancel,
  'dlq.retry': dlqRetry,
  'dlq.purge': dlqPurge,
  'job.retry': jobRetry,
  'job.remove': jobRemove,
  'job.run_now': jobRunNow,
  'jobs.bulk': jobsBulk,
  'jobs.clean': jobsClean,
  stats,
  'events.subscribe': eventsSubscribe,
  'queue.pause': queuePause,
  'queue.resume': queueResume,
  'queue.list': queueList,
  'queue.set': queueSet,
  'schedule.add': scheduleAdd,
  'schedule.list': scheduleList,
  'schedule.remove': scheduleRemove,
  'schedule.pause': schedulePause,
  'schedule.resume': scheduleResume,
  'schedule.edit': scheduleEdit,
  'schedule.run_now': scheduleRunNow,
  'ui.show': uiShow,
  'ui.web': uiWeb,
  'config.list': configList,
  'config.get': configGet,
  'config.set': configSet,
  'daemon.stop': daemonStop,
};
