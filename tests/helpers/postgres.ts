import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { PG_SERVER_SCRIPT } from './pg-global-setup.js';

/** Debian's server binaries, which scripts/pg-test-server.sh uses when no URL is given. */
const HAS_BINARIES = ['17', '16', '15'].some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)) || !!process.env.PG_BIN;

/** Why the PostgreSQL tests cannot run here, or null when they can. */
export const NO_POSTGRES: string | null =
  process.env.TEST_PG_URL || HAS_BINARIES
    ? null
    : 'no PostgreSQL (apt-get install postgresql, or set TEST_PG_URL to a server the tests may create databases on)';

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
