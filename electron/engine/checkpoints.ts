import type Database from 'better-sqlite3';
import { setAutoCheckpoint } from './store/open.js';
import { isStorageError } from './store/storage-error.js';

/**
 * save_interval_ms under SQLite: every so often the WAL is checkpointed into the database file, off the
 * commit path. A storage fault skips a round; 0 hands checkpoints back to SQLite.
 */
export class Checkpoints {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly db: Database.Database) {}

  /** (Re)starts the timer for this interval. */
  every(intervalMs: number): void {
    this.stop();
    setAutoCheckpoint(this.db, intervalMs > 0);
    if (intervalMs > 0) this.timer = setInterval(() => this.run('PASSIVE'), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One checkpoint now; TRUNCATE also empties the WAL file (used at a clean stop). False on a storage fault. */
  run(mode: 'PASSIVE' | 'TRUNCATE'): boolean {
    try {
      this.db.pragma(`wal_checkpoint(${mode})`);
      return true;
    } catch (err) {
      if (!isStorageError(err)) throw err;
      return false;
    }
  }
}
