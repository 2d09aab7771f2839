import type Database from 'better-sqlite3';
import type { HomePaths } from '../../../protocol/node/paths.js';
import { HomeWatch } from '../home-watch.js';
import type { StoreApi } from './api.js';
import { resolveStoreChoice, storeToOpen } from './choice.js';
import { guardWrites, openDatabase } from './open.js';
import { openPostgresStore } from './postgres/index.js';
import { sqliteStore } from './sqlite/index.js';

/** The store a daemon runs on, with what watches its home and, for SQLite, the file's own handle. */
export interface DaemonStore {
  store: StoreApi;
  /** The open SQLite database (checkpoints); null when the store is not a file of the home (PostgreSQL). */
  sqlite: Database.Database | null;
  /** Notices the home or the database replaced under the daemon; refuses writes then (home-watch.ts). */
  watch: HomeWatch;
}

/**
 * Opens the daemon's store, the one place where it is chosen: PostgreSQL when the home remembers a URL
 * (store/postgres/), else the home's SQLite database, migrated, with every write transaction checked by the
 * home watch first (the watch is made once the file exists, so it knows the file opened, and before the
 * store's transactions).
 */
export async function openStoreForDaemon(paths: HomePaths, log: (message: string) => void, nativeBinding?: string): Promise<DaemonStore> {
  // The host chose and remembered it (store/choice.ts `chooseStore`); a server that cannot be reached is the
  // open's one-line error, password masked, and the start fails (exit 1).
  const choice = storeToOpen(paths.home);
  if (choice.kind === 'postgres') {
    const store = await openPostgresStore(choice.url, { log });
    log(`store: postgres (${store.display})`);
    return { store, sqlite: null, watch: new HomeWatch(paths, log) };
  }
  const db = openDatabase(paths.database, nativeBinding);
  try {
    const watch = new HomeWatch(paths, log);
    guardWrites(db, () => watch.checkWrites());
    return { store: sqliteStore(db), sqlite: db, watch };
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * The store a queuectl command works on when no daemon answers (in-process.ts): the one a start would choose
 * now (QUEUECTL_STORE, else the remembered choice, else SQLite), so that a home on PostgreSQL never has jobs
 * enqueued into an unused SQLite file. Nothing is remembered: only a start does that.
 */
export async function openStoreForCommand(paths: HomePaths): Promise<StoreApi> {
  const { choice } = resolveStoreChoice(paths.home, null, process.env);
  return choice.kind === 'postgres' ? openPostgresStore(choice.url) : sqliteStore(openDatabase(paths.database));
}
