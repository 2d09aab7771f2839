import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Thrown when another daemon (or the desktop app) already serves this home. */
export class AlreadyRunningError extends Error {
  constructor(readonly pid: number | null) {
    super(`queuectl is already running for this data directory${pid ? ` (pid ${pid})` : ''}`);
    this.name = 'AlreadyRunningError';
  }
}

/**
 * One daemon per data directory. The lock is an exclusive SQLite lock (fcntl underneath) on a small lock
 * file, held for the life of the process: the OS drops it when the process dies, even by kill -9, so a stale
 * lock cannot exist and two starters cannot both win. The pid file beside it is only for messages.
 * Returns the function that releases the lock.
 */
export function acquireLock(lockFile: string, pidFile: string): () => void {
  const db = new Database(lockFile, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder;');
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new AlreadyRunningError(readPid(pidFile));
    throw err;
  }
  writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
  return () => {
    try {
      if (readPid(pidFile) === process.pid) unlinkSync(pidFile);
    } catch {
      /* already gone */
    }
    db.close();
  };
}

function readPid(pidFile: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
