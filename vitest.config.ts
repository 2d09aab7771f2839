import { defineConfig } from 'vitest/config';
import { NO_POSTGRES } from './tests/helpers/pg-available.js';

/**
 * Unit tests (pure logic, real SQLite in temp files) and integration tests (the built CLI against a real
 * headless daemon in a temp QUEUECTL_HOME). `npm test` builds first, since integration tests run the bundles.
 *
 * Two projects, one matrix over the stores: "sqlite" runs everything as a user without PostgreSQL does;
 * "postgres" runs the integration and e2e-web suites again with TEST_STORE=postgres, where every TestHome (the
 * dashboard's daemon too) gets a database of its own (tests/helpers/daemon.ts). Without PostgreSQL that project
 * is one skipped test saying why.
 */
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    // The PostgreSQL store's tests share one private server, started on first use (tests/helpers/postgres.ts).
    globalSetup: ['tests/helpers/pg-global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['tests/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: NO_POSTGRES === null ? ['tests/integration/**/*.test.ts', 'tests/e2e-web/**/*.test.ts'] : ['tests/helpers/postgres-unavailable.check.ts'],
          env: { TEST_STORE: 'postgres' },
        },
      },
    ],
  },
});
