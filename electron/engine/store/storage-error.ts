import { QueueError } from '../../../protocol/index.js';

/** SQLite result codes that mean the disk or file refused a write, not that the request was wrong. */
const STORAGE_CODES = ['SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_PROTOCOL'];

/**
 * True for a storage fault (full disk, read-only file, I/O error, the database file removed or replaced under
 * the daemon: `StorageLostError`, or a database server out of reach: `StoreUnavailableError`): retry later.
 */
export function isStorageError(err: unknown): boolean {
  if (err instanceof StorageLostError || err instanceof StoreUnavailableError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_CODES.some((c) => code.startsWith(c));
}

/**
 * Every write from the moment the database file (or the data directory) was removed or replaced under the
 * running daemon (home-watch.ts): a commit would go into a file nobody will ever open again, so nothing is
 * written and the client is told why and what to do. A QueueError, so RPCs answer it as is (STORAGE_ERROR).
 */
export class StorageLostError extends QueueError {
  /** What was removed or replaced, as a clause ("the database file … was removed or replaced"). */
  constructor(readonly what: string) {
    super(
      'STORAGE_ERROR',
      `${what} while the daemon was running; nothing was changed, and this daemon accepts no more work. ` +
        `Restart it to use the file now at that path: queuectl worker stop, then queuectl worker start`,
    );
  }
}

/**
 * What a request that failed because the store's server could not be reached did to the data: `unchanged` when
 * the failure came before the commit was sent (the server rolls an unfinished transaction back when its
 * connection goes), `unknown` when the connection broke while a commit or a single-statement write was under way
 * (it may have landed; only the server knows).
 */
export type UnreachableOutcome = 'unchanged' | 'unknown';

const OUTCOME_TEXT: Record<UnreachableOutcome, string> = {
  unchanged: 'nothing was changed; try again once the database answers',
  unknown:
    'the connection broke while the change was being committed, so it may not have been made (or may have been); ' +
    'check (queuectl show, queuectl list) before repeating it',
};

/**
 * A store call that failed because the database server could not be reached (refused, reset, shut down, starting
 * up, or no answer within the deadline: store/postgres/unreachable.ts). A QueueError, so RPCs answer it as is
 * (STORAGE_ERROR, exit 1 in the CLI), and a storage fault (isStorageError), so the scheduler keeps finished runs'
 * results in memory and writes them when the store answers again. `reason` is one line, password masked.
 */
export class StoreUnavailableError extends QueueError {
  constructor(
    readonly reason: string,
    readonly outcome: UnreachableOutcome,
  ) {
    super('STORAGE_ERROR', `store unavailable: ${reason}; ${OUTCOME_TEXT[outcome]}`, { outcome });
    this.name = 'StoreUnavailableError';
  }
}
