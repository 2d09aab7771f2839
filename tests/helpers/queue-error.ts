import { expect } from 'vitest';
import { QueueError } from '../../protocol/index.js';

/** The QueueError `fn` throws; fails the test when it throws something else or nothing. */
export function queueErrorOf(fn: () => unknown): QueueError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(QueueError);
    return e as QueueError;
  }
  throw new Error('expected a QueueError, nothing was thrown');
}

/** The same for an async `fn`: the QueueError it rejects with. */
export async function queueErrorOfAsync(fn: () => unknown): Promise<QueueError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(QueueError);
    return e as QueueError;
  }
  throw new Error('expected a QueueError, nothing was thrown');
}
