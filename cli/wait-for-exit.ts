import { isProcessAlive } from '../protocol/node/process-alive.js';

/** Waiting, up to a deadline, for a process to exit (`worker stop`) or for a promise to settle. */

/**
 * Waits until `pid` has exited; true once it has, false if `deadline` (epoch ms) passes first.
 * Without a deadline it waits as long as it takes. A zombie counts as exited.
 */
export async function waitForExit(pid: number, deadline = Infinity): Promise<boolean> {
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** True if `promise` settles before `deadline` (epoch ms), false if the deadline comes first. */
export async function beforeDeadline(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([promise.then(() => true as const, () => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
