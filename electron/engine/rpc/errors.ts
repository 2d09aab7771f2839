import { QueueError, RPC_INTERNAL_ERROR, type RpcErrorObject } from '../../../protocol/index.js';

const STORAGE_CODES = new Set(['SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_BUSY', 'SQLITE_LOCKED']);

/**
 * Turns anything a handler threw into the error sent to the client: expected failures keep their code and
 * message; storage faults say nothing was changed; anything else is a bug, logged in full, answered briefly.
 */
export function toRpcError(err: unknown, log: (msg: string) => void): RpcErrorObject {
  if (err instanceof QueueError) return err.toRpc();
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && [...STORAGE_CODES].some((c) => code.startsWith(c))) {
    log(`storage error: ${(err as Error).message}`);
    return new QueueError('STORAGE_ERROR', `the database could not be written (${code}: ${(err as Error).message}); nothing was changed`).toRpc();
  }
  log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return { code: RPC_INTERNAL_ERROR, message: `internal error: ${err instanceof Error ? err.message : String(err)}`, data: { code: 'INTERNAL' } };
}
