import type { MethodName } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { cancel } from './cancel.js';
import { configGet, configList, configSet } from './config.js';
import { daemonStop } from './daemon-stop.js';
import { dlqRetry } from './dlq-retry.js';
import { enqueue } from './enqueue.js';
import { enqueueBatch } from './enqueue-batch.js';
import { list } from './list.js';
import { logs } from './logs.js';
import { show } from './show.js';
import { status } from './status.js';

/** Answers one method. Params are untrusted; handlers check them. */
export type Handler = (ctx: EngineContext, params: unknown) => unknown;

/** Every method but hello, which the connection handles itself. */
export const HANDLERS: Record<Exclude<MethodName, 'hello'>, Handler> = {
  enqueue,
  'enqueue.batch': enqueueBatch,
  status,
  list,
  show,
  logs,
  cancel,
  'dlq.retry': dlqRetry,
  'config.list': configList,
  'config.get': configGet,
  'config.set': configSet,
  'daemon.stop': daemonStop,
};
