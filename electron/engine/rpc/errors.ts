import { QueueError, RPC_INTERNAL_ERROR, type RpcErrorObject } from '../../../protocol/index.js';
import { isStorageError } from '../store/storage-error.js';

/**
 * Turns anything a handler threw into the error sent to the client: expected failures keep their code and
 * message; storage faults say nothing was changed; anything else is a bug, logged in full, answered briefly.
 */
export function toRpcError(err: unknown, log: (msg: string) => void): RpcErrorObject {
  if (err instanceof QueueError) return err.toRpc();
  if (isStorageError(err)) {
    const { code, message } = err as Error & { code: string };
    log(`storage error: ${code}: ${message}`);
    return new QueueError('STORAGE_ERROR', `the database could not be written (${code}: ${message}); nothing was changed. Free disk space or fix permissions on the data directory, then try again`).toRpc();
  }
  log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return { code: RPC_INTERNAL_ERROR, message: `internal error: ${err instanceof Error ? err.message : String(err)}`, data: { code: 'INTERNAL' } };
}
