/** SQLite result codes that mean the disk or file refused a write, not that the request was wrong. */
const STORAGE_CODES = ['SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_PROTOCOL'];

/** True for a storage fault (full disk, read-only file, I/O error): the transaction rolled back, retry later. */
export function isStorageError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_CODES.some((c) => code.startsWith(c));
}
