import { QueueError } from '../protocol/index.js';
import { DaemonUnavailable } from '../protocol/node/client.js';

/** Exit codes every command keeps to. */
export const EXIT = {
  ok: 0,
  /** The request was understood but failed (job, schedule or queue not found, wrong state, storage fault ...). */
  failure: 1,
  /** Bad flag, argument or value. */
  usage: 2,
  /** No daemon answers: none runs, it does not answer in time, or the connection broke (DaemonUnavailable). */
  notRunning: 3,
} as const;

/** A usage error found by the CLI itself before talking to the daemon. */
export function usageError(message: string): QueueError {
  return new QueueError('INVALID_ARGUMENT', message);
}

/** The exit code for an error from anywhere: the daemon's code decides; an unavailable daemon is 3, like none. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof DaemonUnavailable) return EXIT.notRunning;
  if (!(err instanceof QueueError)) return EXIT.failure;
  if (err.code === 'INVALID_ARGUMENT') return EXIT.usage;
  if (err.code === 'NOT_RUNNING') return EXIT.notRunning;
  return EXIT.failure;
}

/** True when the error says the daemon is gone or out of reach (rather than that it refused the request). */
export function daemonGone(err: unknown): boolean {
  return err instanceof DaemonUnavailable || (err instanceof QueueError && err.code === 'NOT_RUNNING');
}

/** The reason a connection ended that a long wait should report as its error: the daemon stopped answering. */
export function unresponsive(err: Error | null): DaemonUnavailable | null {
  return err instanceof DaemonUnavailable && err.reason === 'unresponsive' ? err : null;
}
