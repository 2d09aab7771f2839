import pg from 'pg';

/** OIDs of the types whose parsing makes PostgreSQL rows read like SQLite's (see `ROW_TYPES`). */
const INT8 = 20;
const BOOL = 16;
const TIMESTAMPTZ = 1184;

/**
 * Rows come back shaped as the SQLite store's (store/rows.ts), so the engine reads one kind of row: bigint as
 * a number (seq, ids, byte offsets and ms stay far below 2^53), timestamptz as epoch ms, boolean as 0/1.
 */
const ROW_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (value: string) => Number(value);
    if (oid === BOOL) return (value: string) => (value === 't' ? 1 : 0);
    if (oid === TIMESTAMPTZ) {
      const date = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (value: string) => Date;
      return (value: string) => date(value).getTime();
    }
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
} as pg.CustomTypesConfig;

export interface PoolOptions {
  /** Most connections the pool opens (default 10). */
  max?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

/**
 * A pool for `url` (postgres://user[:password]@host[:port]/db?sslmode=…). node-postgres reads the password from
 * the URL, else PGPASSWORD, else ~/.pgpass, and passes sslmode through; this adds only the row types above
 * and a UTC session (timestamps are compared in SQL, never formatted there).
 */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  return new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'queuectl',
    types: ROW_TYPES,
    options: '-c TimeZone=UTC',
  });
}

/** A single connection with the same settings (LISTEN needs one of its own; so do CREATE DATABASE and tests). */
export function createClient(url: string, options: PoolOptions = {}): pg.Client {
  return new pg.Client({ connectionString: url, application_name: options.applicationName ?? 'queuectl', types: ROW_TYPES, options: '-c TimeZone=UTC' });
}

/**
 * The URL as `status` and logs may show it: the password (if any) replaced by `***`. Anything that does not
 * parse as a URL (a libpq key=value string) is masked whole but for its host and database, never echoed.
 */
export function maskPassword(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    const keep = url.split(/\s+/).filter((pair) => /^(host|hostaddr|port|dbname|user)=/.test(pair));
    return keep.join(' ') || '***';
  }
  if (parsed.password !== '') parsed.password = '***';
  for (const key of [...parsed.searchParams.keys()]) if (key.toLowerCase() === 'password') parsed.searchParams.set(key, '***');
  return parsed.toString();
}
