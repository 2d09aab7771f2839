import pg from 'pg';
import { isUnreachable, markOutcome } from './unreachable.js';

/** A pool or one connection: what a query can run on. */
export type Queryable = pg.Pool | pg.PoolClient | pg.Client;

/**
 * One statement. On a pool it runs on a connection of its own, and an unreachable server is marked with what
 * the statement did (unreachable.ts): nothing if the connection never opened or the statement only read,
 * unknown if a write was sent and its answer lost (it commits by itself, and may have). A connection that
 * broke or went silent is dropped, not handed back.
 */
export async function query(db: Queryable, sql: string, params: readonly unknown[] = []): Promise<pg.QueryResult> {
  if (!(db instanceof pg.Pool)) return db.query(sql, params as unknown[]);
  let client: pg.PoolClient;
  try {
    client = await db.connect();
  } catch (err) {
    throw markOutcome(err, 'unchanged');
  }
  try {
    const result = await client.query(sql, params as unknown[]);
    client.release();
    return result;
  } catch (err) {
    const lost = isUnreachable(err);
    client.release(lost);
    throw lost ? markOutcome(err, /^\s*SELECT\b/i.test(sql) ? 'unchanged' : 'unknown') : err;
  }
}

/** The rows of one statement. */
export async function rows<T>(db: Queryable, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  return (await query(db, sql, params)).rows as T[];
}

/** The first row of one statement, or null. */
export async function one<T>(db: Queryable, sql: string, params: readonly unknown[] = []): Promise<T | null> {
  return ((await query(db, sql, params)).rows[0] as T | undefined) ?? null;
}

/** Epoch ms as a query parameter for a timestamptz column. */
export const at = (ms: number): Date => new Date(ms);

/** SQLSTATEs after which the whole transaction may simply run again: deadlock, serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Runs `fn` in one transaction on a connection of its own: committed when it returns, rolled back when it
 * throws. A deadlock or serialization failure (another transaction's locks, never our data) reruns it, up to
 * three times; so `fn` must do nothing outside the database that cannot be done twice.
 * An unreachable server is marked with what happened (unreachable.ts): before the COMMIT was sent nothing was
 * changed (the server rolls back a transaction whose connection is gone, so no ROLLBACK is waited for, and
 * the connection is dropped); during the COMMIT, unknown.
 */
export function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return transaction(pool, async (client) => {
    await client.query('BEGIN');
    return { value: await fn(client), commit: 'COMMIT' };
  });
}

/**
 * inTransaction for a body that saves round trips: it sends BEGIN itself, with its first statements (one
 * simple-protocol message: `BEGIN; …`), and answers the last statements to send with the COMMIT
 * (`…; COMMIT`). Rollback, reruns and outcomes as inTransaction's; the message carrying the COMMIT is the
 * one whose lost answer leaves the outcome unknown.
 */
export async function transaction<T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<{ value: T; commit: string }>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw markOutcome(err, 'unchanged');
    }
    let broken = false;
    try {
      const { value, commit } = await body(client);
      try {
        await client.query(commit);
      } catch (err) {
        // Only a lost answer leaves it unknown; a refusal (a deferred check, a deadline) rolled it back.
        throw isUnreachable(err) ? markOutcome(err, 'unknown') : err;
      }
      return value;
    } catch (err) {
      if (isUnreachable(err)) {
        broken = true;
        throw markOutcome(err, 'unchanged');
      }
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

/**
 * `text` as PostgreSQL can store it in text or jsonb: a NUL (refused by both) or half a surrogate pair
 * (refused by jsonb) becomes U+FFFD. A result's error or last line must never make its step fail forever.
 */
export function storable(text: string | null): string | null {
  return text === null ? null : text.replace(/\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** `value` as an SQL literal, for the statements `transaction` bodies send without parameters. */
export const literal = (value: string): string => pg.escapeLiteral(value);

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
