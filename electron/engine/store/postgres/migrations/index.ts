import { sql as m0001 } from './0001_initial.js';
import { sql as m0002 } from './0002_step_functions.js';

/**
 * The PostgreSQL store's migrations, numbered and append-only like SQLite's (store/migrations/): migration n
 * takes `queuectl.schema_version` from n-1 to n. Never edit one that has shipped; add the next number.
 */
export const PG_MIGRATIONS: readonly string[] = [m0001, m0002];
