import { QueueError, RPC_METHOD_NOT_FOUND, isMethodName, type RpcErrorObject } from '../../../protocol/index.js';
import type { EngineContext } from '../context.js';
import { toRpcError } from './errors.js';
import { HANDLERS } from './handlers/index.js';
import type { Session } from './session.js';

/** A handler's answer, ready for any transport to send. */
export type DispatchOutcome = { result: unknown } | { error: RpcErrorObject };

/**
 * Runs one authenticated request on behalf of `session`. Every transport (socket, HTTP, Electron IPC) goes
 * through here, so they answer the same methods with the same errors. `hello` belongs to the socket's
 * handshake and is not dispatched. Once the engine closes its servers (`ctx.closing()`, the end of a
 * graceful stop) every call is refused with SHUTTING_DOWN, so none is half-done.
 */
export async function dispatch(
  ctx: EngineContext,
  session: Session,
  method: unknown,
  params: unknown,
  log: (msg: string) => void,
): Promise<DispatchOutcome> {
  if (ctx.closing()) {
    return { error: new QueueError('SHUTTING_DOWN', 'the daemon is stopping; nothing was done. Try again once it runs again').toRpc() };
  }
  if (!isMethodName(method) || method === 'hello') {
    return { error: { code: RPC_METHOD_NOT_FOUND, message: `unknown method ${JSON.stringify(method).slice(0, 80)}`, data: { code: 'METHOD_NOT_FOUND' } } };
  }
  try {
    return { result: await HANDLERS[method](ctx, params, session) };
  } catch (err) {
    return { error: toRpcError(err, log) };
  }
}
