import pg from 'pg';
import { maskPassword } from '../../../../protocol/store-choice.js';

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

/**
 * How long a connection may take to open (or a request wait for a pooled one) before the call fails as
 * "store unavailable": 5 s is well past a healthy server's few ms, even across a WAN with TLS, and short
 * enough that a user at a prompt gets an answer rather than a hang.
 */
export const CONNECT_DEADLINE_MS = 5_000;

/**
 * How long one statement may go unanswered (a server gone silent: a dropped network, a frozen host) before
 * the call fails as "store unavailable". The store's statements take milliseconds (a 10,000-job batch about
 * 0.5 s); 8 s leaves room for a loaded server, and connect plus one statement (13 s) stays inside the CLI's
 * 15 s wait for the daemon (protocol/node/client.ts), so the user sees this error, not a timeout.
 */
export const QUERY_DEADLINE_MS = 8_000;

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
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'queuectl',
    types: ROW_TYPES,
    options: '-c TimeZone=UTC',
    connectionTimeoutMillis: CONNECT_DEADLINE_MS,
    query_timeout: QUERY_DEADLINE_MS,
    // Lets the kernel notice a peer that vanished without a word (no RST) on idle connections.
    keepAlive: true,
  });
  // A connection that breaks while checked out fails its statement (the caller sees that) and also emits
  // 'error', which the pool only listens for while the connection is idle: unheard, it would end the process.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * A single connection with the same settings (LISTEN needs one of its own; so do migrations and tests). The
 * connect deadline holds; statements have none (a migration may rightly take long).
 */
export function createClient(url: string, options: PoolOptions = {}): pg.Client {
  return new pg.Client({
    connectionString: url,
    application_name: options.applicationName ?? 'queuectl',
    types: ROW_TYPES,
    options: '-c TimeZone=UTC',
    connectionTimeoutMillis: CONNECT_DEADLINE_MS,
    keepAlive: true,
  });
}

/** `status` and logs show the URL through this (one definition, shared with the CLI's checks). */
export { maskPassword };

/**
 * `text` (an error message) with the URL shown masked and the password (from the URL's user part or query, as
 * written or decoded, or PGPASSWORD) replaced by `***` wherever it appears: a driver or server message must
 * not carry it to a log or a client.
 */
export function redactPassword(text: string, url: string): string {
  const secrets = new Set<string>();
  try {
    const parsed = new URL(url);
    for (const value of [parsed.password, ...[...parsed.searchParams].filter(([k]) => k.toLowerCase().includes('password')).map(([, v]) => v)]) {
      if (value === '') continue;
      secrets.add(value);
      try {
        secrets.add(decodeURIComponent(value));
      } catch {
        // Not percent-encoded: the raw form is already listed.
      }
    }
  } catch {
    const pair = /(?:^|\s)password=(\S+)/.exec(url);
    if (pair) secrets.add(pair[1]!);
  }
  if (process.env.PGPASSWORD) secrets.add(process.env.PGPASSWORD);
  let out = text.split(url).join(maskPassword(url));
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}
