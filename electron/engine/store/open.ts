import Database from 'better-sqlite3';
import { migrate } from './migrate.js';

/**
 * Opens (creating if needed) the database with the pragmas the engine relies on:
 * WAL so readers never block the writer, synchronous=FULL so a commit is on disk before it is acknowledged,
 * and checkpoints driven by the engine (save_interval_ms) instead of by the commit that crosses a threshold.
 * `nativeBinding`: the compiled addon to load instead of node_modules' (the desktop app's Electron build).
 */
export function openDatabase(path: string, nativeBinding?: string): Database.Database {
  const db = new Database(path, nativeBinding ? { timeout: 5000, nativeBinding } : { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('temp_store = MEMORY');
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Hands WAL checkpoints to the engine's timer (save_interval_ms > 0) or back to SQLite (0: every ~4 MB of WAL). Engine-driven still checkpoints at ~40 MB so a long interval cannot grow the WAL without bound.
 */
export function setAutoCheckpoint(db: Database.Database, engineDriven: boolean): void {
  db.pragma(`wal_autocheckpoint = ${engineDriven ? 10_000 : 1000}`);
}

/**
 * Runs `check` at the start of every transaction made with `db.transaction` (every write of the engine, see
 * docs/reliability.md): when it throws (home-watch.ts: the database file was removed or replaced), the
 * transaction rolls back before anything is written and the caller gets the error instead of an
 * acknowledgement. Call before `createStore` prepares its transactions.
 */
export function guardWrites(db: Database.Database, check: () => void): void {
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (...args: unknown[]) => unknown) =>
    transaction(function (this: unknown, ...args: unknown[]) {
      check();
      return fn.apply(this, args);
    })) as Database.Database['transaction'];
}
