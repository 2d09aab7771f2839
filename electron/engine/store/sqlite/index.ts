import type Database from 'better-sqlite3';
import type { StoreApi, StoreHealth } from '../api.js';
import { createStore } from '../index.js';
import { cleanStore } from './clean.js';
import { jobReads } from './job-reads.js';
import { jobWrites } from './job-writes.js';
import { queueStore } from './queues.js';
import { runStore } from './runs.js';
import { scheduleStore } from './schedules.js';
import { settingsAndStats } from './settings-stats.js';

/** A local file answers or throws at once: never unreachable. */
const AVAILABLE: StoreHealth = Object.freeze({ available: true, unavailableSince: null, lastError: null });

/**
 * The SQLite store behind StoreApi: createStore's prepared statements (store/transitions/), each answered as
 * a settled promise. The whole moves handlers and the scheduler made of several calls are one transaction
 * each here, since a caller that awaits between calls cannot hold one open. Its transactions are prepared
 * here: `guardWrites` (open.ts) goes first.
 */
export function sqliteStore(db: Database.Database): StoreApi {
  const store = createStore(db);
  return {
    kind: 'sqlite',
    display: db.name,
    ...jobReads(store),
    ...jobWrites(store),
    ...runStore(store),
    ...queueStore(store),
    ...scheduleStore(store),
    ...settingsAndStats(store),
    ...cleanStore(store),
    // One process owns the file (lock.ts): no other connection makes jobs due.
    onJobsChanged: async () => async () => {},
    health: () => AVAILABLE,
    async close() {
      if (db.open) db.close();
    },
  };
}
