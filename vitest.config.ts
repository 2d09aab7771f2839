import { defineConfig } from 'vitest/config';

/**
 * Unit tests (pure logic, real SQLite in temp files) and integration tests (the built CLI against a real
 * headless daemon in a temp QUEUECTL_HOME). `npm test` builds first, since integration tests run the bundles.
 */
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    // The PostgreSQL store's tests share one private server, started on first use (tests/helpers/postgres.ts).
    globalSetup: ['tests/helpers/pg-global-setup.ts'],
  },
});
