import { it } from 'vitest';
import { NO_POSTGRES } from './pg-available.js';

// The postgres project's only file on a machine without PostgreSQL (vitest.config.ts): it says why its tests
// do not run, instead of the integration and e2e-web suites failing on every TestHome.
it.skip(`tests/integration and tests/e2e-web on PostgreSQL: skipped: ${NO_POSTGRES}`, () => {});
