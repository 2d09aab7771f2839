import type { ResultOf } from '../../../../protocol/index.js';
import type { EngineContext } from '../../context.js';
import { asParams, optionalInt } from '../params.js';

/** Starts a graceful stop and answers at once; the connection closes when the daemon has stopped. */
export function daemonStop(ctx: EngineContext, raw: unknown): ResultOf<'daemon.stop'> {
  const timeoutMs = optionalInt(asParams(raw), 'timeout_ms', 0, 24 * 3_600_000);
  setImmediate(() => void ctx.stop({ timeoutMs }));
  return { stopping: true, pid: process.pid };
}
