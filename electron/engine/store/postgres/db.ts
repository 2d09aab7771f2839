import type pg from 'pg';

/** A pool or one connection: what a query can run on. */
export type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/** The rows of one statement. */
export async function rows<T>(db: Queryable, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  return (await db.query(sql, params as unknown[])).rows as T[];
}

/** The first row of one statement, or null. */
export async function one<T>(db: Queryable, sql: string, params: readonly unknown[] = []): Promise<T | null> {
  return ((await db.query(sql, params as unknown[])).rows[0] as T | undefined) ?? null;
}

/** Epoch ms as a query parameter for a timestamptz column. */
export const at = (ms: number): Date => new Date(ms);

/** SQLSTATEs after which the whole transaction may simply run again: deadlock, serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Runs `fn` in one transaction on a connection of its own: committed when it returns, rolled back when it
 * throws. A deadlock or serialization failure (another transaction's locks, never our data) reruns it, up to
 * three times; so `fn` must do nothing outside the database that cannot be done twice.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      const code = (err as { code?: string }).code;
      if (attempt >= 3 || code === undefined || !RETRYABLE.has(code)) throw err;
    } finally {
      client.release(broken);
    }
  }
}

/** Advisory lock keys of the store (pg_advisory_*): one number space, these few keys. */
export const LOCKS = {
  /** Migrations: one migrator at a time. */
  migrate: 7_245_001,
  /** Claims take it shared, pause switches exclusive: a pause that returned holds every later claim. */
  claims: 7_245_002,
  /** Folding the counters' deltas: one folder at a time, so each read sums a consistent set. */
  counts: 7_245_003,
  /** Folding run_minutes: one folder at a time. */
  runMinutes: 7_245_004,
} as const;
