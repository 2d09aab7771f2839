import { QueueError } from '../protocol/index.js';

/** Exit codes every command keeps to. */
export const EXIT = {
  ok: 0,
  /** The request was understood but failed (job, schedule or queue not found, wrong state, storage fault ...). */
  failure: 1,
  /** Bad flag, argument or value. */
  usage: 2,
  /** No daemon answers. */
  notRunning: 3,
} as const;

/** A usage error found by the CLI itself before talking to the daemon. */
export function usageError(message: string): QueueError {
  return new QueueError('INVALID_ARGUMENT', message);
}

/** The exit code for an error from anywhere: the daemon's code decides. */
export function exitCodeFor(err: unknown): number {
  if (!(err instanceof QueueError)) return EXIT.failure;
  if (err.code === 'INVALID_ARGUMENT') return EXIT.usage;
  if (err.code === 'NOT_RUNNING') return EXIT.notRunning;
  return EXIT.failure;
}
