import { expect } from 'vitest';
import { QueueError } from '../../protocol/index.js';
import type { RpcClient } from '../../protocol/node/client.js';

/** The QueueError an RPC call fails with; fails the test if the call succeeds or throws anything else. */
export async function rpcFailure(promise: Promise<unknown>): Promise<QueueError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(QueueError);
    return e as QueueError;
  }
  throw new Error('the call succeeded; expected an error');
}

/** Makes each call `[method, params, message]` and expects it refused with INVALID_ARGUMENT and a matching message. */
export async function expectInvalidArgument(rpc: RpcClient, cases: Array<[string, unknown, RegExp]>): Promise<void> {
  for (const [method, params, message] of cases) {
    const err = await rpcFailure(rpc.call(method as 'status', params as never));
    expect(err.code, `${method} ${JSON.stringify(params)}`).toBe('INVALID_ARGUMENT');
    expect(err.message, `${method} ${JSON.stringify(params)}`).toMatch(message);
  }
}
