import { existsSync } from 'node:fs';

/**
 * Whether the PostgreSQL tests can run here, with no vitest import, so that vitest.config.ts can ask it too:
 * TEST_PG_URL, or Debian's server binaries (or PG_BIN), which scripts/pg-test-server.sh starts a server from.
 */
const HAS_BINARIES = ['17', '16', '15'].some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)) || !!process.env.PG_BIN;

/** Why the PostgreSQL tests cannot run here, or null when they can. */
export const NO_POSTGRES: string | null =
  process.env.TEST_PG_URL || HAS_BINARIES
    ? null
    : 'no PostgreSQL (apt-get install postgresql, or set TEST_PG_URL to a server the tests may create databases on)';
