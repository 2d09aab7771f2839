import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject, it, type TestFunction } from 'vitest';
import { PG_SERVER_SCRIPT } from './pg-global-setup.js';
import { NO_POSTGRES } from './pg-available.js';

export { NO_POSTGRES };

/**
 * True in the "postgres" project of the test matrix (vitest.config.ts): every TestHome's daemon and CLI then
 * run on a fresh PostgreSQL database of their own.
 */
export const ON_POSTGRES = process.env.TEST_STORE === 'postgres';

/**
 * `it` for a test that cannot apply to PostgreSQL (it inspects queuectl.db, say): in the postgres project it is
 * listed as skipped, with `reason` in its name.
 */
export function onlyOnSqlite(reason: string): (name: string, fn: TestFunction, timeout?: number) => void {
  return ON_POSTGRES ? (name, fn, timeout) => it.skip(`${name} (skipped: ${reason})`, fn, timeout) : (name, fn, timeout) => it(name, fn, timeout);
}

let serverUrl: string | null = null;

/** The shared server's URL: TEST_PG_URL, else this run's private server, started on first use. */
function server(): string {
  if (serverUrl) return serverUrl;
  serverUrl = process.env.TEST_PG_URL || execFileSync(PG_SERVER_SCRIPT, ['start', inject('pgServerDir')], { encoding: 'utf8' }).trim();
  return serverUrl;
}

/** `url` with its database replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A describe block for tests against PostgreSQL: with a server, `fn` gets a getter for the URL of a fresh
 * database of its own (created before the block's tests, dropped after); without one, the block is a single
 * skipped test saying why.
 */
export function describePostgres(name: string, fn: (url: () => string) => void): void {
  if (NO_POSTGRES !== null) {
    describe(name, () => it.skip(`skipped: ${NO_POSTGRES}`, () => {}));
    return;
  }
  describe(name, () => {
    const database = `qtest_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    let url = '';
    beforeAll(async () => {
      await admin(`CREATE DATABASE ${database}`);
      url = withDatabase(server(), database);
    });
    afterAll(async () => {
      await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    });
    fn(() => url);
  });
}

/**
 * Creates a fresh database on the shared server and returns its URL, synchronously (TestHome's constructor
 * is): a child node runs the CREATE DATABASE, about 0.1 s.
 */
export function createDatabaseSync(): { name: string; url: string } {
  const name = `qhome_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const script = "const c=new (require('pg').Client)({connectionString:process.argv[1]});c.connect().then(()=>c.query('CREATE DATABASE '+process.argv[2])).then(()=>c.end(),(e)=>{console.error(e.message);process.exit(1)})";
  execFileSync(process.execPath, ['-e', script, server(), name], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { name, url: withDatabase(server(), name) };
}

/** Drops a database createDatabaseSync made (its daemon's connections are ended first: WITH FORCE). */
export function dropDatabase(name: string): Promise<void> {
  return admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** One statement on the server's maintenance database (CREATE/DROP DATABASE cannot run in a pool's transaction). */
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
