import type Database from 'better-sqlite3';

/**
 * Runs `fn` with synchronous=NORMAL, then restores FULL. In WAL mode such a commit is written to the log
 * but not fsynced: it survives a crash of the process (kill -9), not a power loss; and the next FULL
 * commit fsyncs it along with itself, so order is kept. Used for the scheduler's own bookkeeping (claims,
 * run results, process groups), whose loss on power failure only makes a job run again, which crash
 * recovery allows. Everything a user is told was stored (enqueue, config, cancel, retry) stays FULL.
 */
export function withoutFsync<T>(db: Database.Database, fn: () => T): T {
  db.pragma('synchronous = NORMAL');
  try {
    return fn();
  } finally {
    db.pragma('synchronous = FULL');
  }
}
