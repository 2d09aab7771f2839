import type { StoreApi } from '../api.js';
import { cleanStore } from './clean.js';
import { createPool, maskPassword, type PoolOptions } from './connect.js';
import { jobReads } from './job-reads.js';
import { jobWrites } from './job-writes.js';
import { migratePostgres } from './migrate.js';
import { JOBS_CHANNEL, listen } from './notify.js';
import { queueStore } from './queues.js';
import { runStore } from './runs.js';
import { scheduleStore } from './schedules.js';
import { settingsAndStats } from './settings-stats.js';

/**
 * Opens the PostgreSQL store at `url`: migrates the `queuectl` schema (refusing a newer one), then answers the
 * store over a pool. Not wired into the engine yet (docs/postgres.md); the engine's switch is planned in
 * docs/architecture.md, "Store interface (in progress)".
 */
export async function openPostgresStore(url: string, options: PoolOptions = {}): Promise<StoreApi> {
  await migratePostgres(url);
  const pool = createPool(url, options);
  // An idle pooled connection that breaks (server restart) is dropped by the pool; without a listener the
  // 'error' event would end the process.
  pool.on('error', () => {});
  return {
    kind: 'postgres',
    display: maskPassword(url),
    ...jobReads(pool),
    ...jobWrites(pool),
    ...runStore(pool),
    ...queueStore(pool),
    ...scheduleStore(pool),
    ...settingsAndStats(pool),
    ...cleanStore(pool),
    onJobsChanged: (listener: () => void) => listen(url, JOBS_CHANNEL, () => listener()),
    close: () => pool.end(),
  };
}
