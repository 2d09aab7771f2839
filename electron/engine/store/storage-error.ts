import { QueueError } from '../../../protocol/index.js';

/** SQLite result codes that mean the disk or file refused a write, not that the request was wrong. */
const STORAGE_CODES = ['SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_PROTOCOL'];

/**
 * True for a storage fault (full disk, read-only file, I/O error, or the database file removed or replaced
 * under the daemon: `StorageLostError`): the transaction rolled back, retry later.
 */
export function isStorageError(err: unknown): boolean {
  if (err instanceof StorageLostError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_CODES.some((c) => code.startsWith(c));
}

/**
 * Every write from the moment the database file (or the data directory) was removed or replaced under the
 * running daemon (home-watch.ts): a commit would go into a file nobody will ever open again, so nothing is
 * written and the client is told why and what to do. A QueueError, so RPCs answer it as is (STORAGE_ERROR).
 */
export class StorageLostError extends QueueError {
  constructor(what: string) {
    super(
      'STORAGE_ERROR',
      `${what} while the daemon was running; nothing was changed, and this daemon accepts no more work. ` +
        `Restart it to use the file now at that path: queuectl worker stop, then queuectl worker start`,
    );
  }
}
