import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach } from 'vitest';
import type { StoreApi } from '../../electron/engine/store/api.js';
import { createStore, type Store } from '../../electron/engine/store/index.js';
import { openDatabase } from '../../electron/engine/store/open.js';
import { sqliteStore } from '../../electron/engine/store/sqlite/index.js';
import type { NewJob } from '../../electron/engine/store/transitions/enqueue.js';

/** A store on a real SQLite file (`<dir>/queue.db`) in a fresh temp dir. */
export interface TempStore {
  dir: string;
  db: Database.Database;
  store: Store;
}

/**
 * Gives every test of the file its own store: before each test a temp dir (named `<prefix>…`) with a
 * fresh database, handed to `opened`; after it the database is closed (if the test left it open) and the
 * dir removed.
 */
export function useTempStore(prefix: string, opened: (t: TempStore) => void): void {
  let dir: string;
  let db: Database.Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    db = openDatabase(join(dir, 'queue.db'));
    opened({ dir, db, store: createStore(db) });
  });
  afterEach(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** The SQLite adapter (StoreApi) on a fresh file in a temp dir; `remove` closes it and deletes the dir. */
export interface TempSqliteApi {
  db: Database.Database;
  store: StoreApi;
  remove(): void;
}

export function openTempSqliteApi(prefix: string): TempSqliteApi {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = openDatabase(join(dir, 'queue.db'));
  return {
    db,
    store: sqliteStore(db),
    remove() {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A job to enqueue: `true` in the default queue, no retries, no id or name; `over` changes any of it. */
export function newJob(over: Partial<NewJob> = {}): NewJob {
  return { id: null, name: null, command: 'true', max_retries: 0, priority: 0, timeout_ms: null, cwd: null, queue: 'default', ...over };
}
