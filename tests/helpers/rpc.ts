import { expect } from 'vitest';
import { QueueError } from '../../protocol/index.js';

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
