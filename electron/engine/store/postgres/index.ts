import type { StoreApi } from '../api.js';
import { StoreUnavailableError } from '../storage-error.js';
import { cleanStore } from './clean.js';
import { createPool, maskPassword, redactPassword, type PoolOptions } from './connect.js';
import { Reachability } from './health.js';
import { jobReads } from './job-reads.js';
import { jobWrites } from './job-writes.js';
import { migratePostgres } from './migrate.js';
import { JOBS_CHANNEL, listen } from './notify.js';
import { queueStore } from './queues.js';
import { runStore } from './runs.js';
import { scheduleStore } from './schedules.js';
import { settingsAndStats } from './settings-stats.js';
import { schedulerStep } from './step.js';
import { describeUnreachable, isUnreachable, markOutcome, unavailable } from './unreachable.js';

export interface PostgresStoreOptions extends PoolOptions {
  /** Where the store says it lost its server and found it again (the daemon's log); silent when absent. */
  log?: (msg: string) => void;
}

/**
 * Opens the PostgreSQL store at `url`: migrates the `queuectl` schema (refusing a newer one), then answers the
 * store over a pool. A server that cannot be reached fails the open at once (within the connect deadline) with
 * StoreUnavailableError naming the store, password masked; any other failure says which store it was.
 * Once open, every call that cannot reach the server fails within the deadlines (connect.ts) with
 * StoreUnavailableError, and `health()` says so until a call or the background probe gets through again.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<StoreApi> {
  try {
    await migratePostgres(url);
  } catch (err) {
    throw openFailure(err, url);
  }
  const pool = createPool(url, options);
  const describe = (err: unknown): string => describeUnreachable(err, url);
  const reach = new Reachability({
    probe: async () => {
      await pool.query('SELECT 1');
    },
    describe,
    log: options.log ?? (() => {}),
  });
  // An idle pooled connection that breaks (server restart) is dropped by the pool and is the first sign of an
  // outage; without a listener the 'error' event would end the process.
  pool.on('error', (err) => {
    if (isUnreachable(err)) reach.lost(describe(err));
  });
  const listening = new Set<() => Promise<void>>();
  const onJobsChanged = async (listener: () => void): Promise<() => Promise<void>> => {
    const stop = await listen(url, JOBS_CHANNEL, () => listener(), {
      onLost: (err) => reach.lost(describe(err)),
      onBack: () => reach.reached(),
    }).catch((err: unknown) => {
      throw markOutcome(err, 'unchanged'); // LISTEN writes nothing
    });
    const stopOnce = async (): Promise<void> => {
      if (listening.delete(stopOnce)) await stop();
    };
    listening.add(stopOnce);
    return stopOnce;
  };
  const calls = guarded(
    {
      ...jobReads(pool),
      ...jobWrites(pool),
      ...runStore(pool),
      ...schedulerStep(pool),
      ...queueStore(pool),
      ...scheduleStore(pool),
      ...settingsAndStats(pool),
      ...cleanStore(pool),
      onJobsChanged,
    },
    url,
    reach,
  );
  return {
    kind: 'postgres',
    display: maskPassword(url),
    ...calls,
    health: () => reach.health(),
    async close() {
      reach.close();
      await Promise.all([...listening].map((stop) => stop()));
      await pool.end();
    },
  };
}

/**
 * `methods` with each call's outcome fed to `reach`: an answer marks the server reachable; an unreachable
 * server marks it lost and the call fails with StoreUnavailableError (what it did to the data as db.ts saw it);
 * every other error passes unchanged.
 */
function guarded<T extends Record<string, (...args: never[]) => Promise<unknown>>>(methods: T, url: string, reach: Reachability): T {
  const out: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, method] of Object.entries(methods)) {
    out[name] = async (...args: never[]) => {
      try {
        const result = await method(...args);
        reach.reached();
        return result;
      } catch (err) {
        if (!isUnreachable(err)) throw err;
        const failure = unavailable(err, url);
        reach.lost(failure.reason);
        throw failure;
      }
    };
  }
  return out as T;
}

/** Why the store did not open, as one clear line naming it (password masked). */
function openFailure(err: unknown, url: string): Error {
  const where = maskPassword(url);
  if (isUnreachable(err)) return new StoreUnavailableError(`cannot reach ${where}: ${describeUnreachable(err, url)}`, 'unchanged');
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`cannot open the PostgreSQL store at ${where}: ${redactPassword(message, url)}`);
}
