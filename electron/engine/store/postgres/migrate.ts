import { createClient } from './connect.js';
import { LOCKS, one } from './db.js';
import { PG_MIGRATIONS } from './migrations/index.js';

/**
 * Brings the `queuectl` schema up to date: under a session advisory lock (so concurrent daemons migrate one at a
 * time and the later ones find the work done), one transaction per migration, the version kept in
 * `queuectl.schema_version`. A database migrated by a newer queuectl is refused before anything is touched.
 * Answers the version now.
 */
export async function migratePostgres(url: string, migrations: readonly string[] = PG_MIGRATIONS): Promise<number> {
  const client = createClient(url, { applicationName: 'queuectl migrate' });
  // A connection lost mid-migration fails the statement under way; unheard, its 'error' would end the process.
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCKS.migrate]);
    await client.query('CREATE SCHEMA IF NOT EXISTS queuectl');
    await client.query('CREATE TABLE IF NOT EXISTS queuectl.schema_version (version integer NOT NULL)');
    await client.query('INSERT INTO queuectl.schema_version (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM queuectl.schema_version)');
    const current = (await one<{ version: number }>(client, 'SELECT version FROM queuectl.schema_version'))!.version;
    if (current > migrations.length) {
      throw new Error(
        `the PostgreSQL database has queuectl schema version ${current}, newer than this queuectl understands (${migrations.length}); upgrade queuectl`,
      );
    }
    for (let version = current + 1; version <= migrations.length; version++) {
      await client.query('BEGIN');
      try {
        await client.query(migrations[version - 1]!);
        await client.query('UPDATE queuectl.schema_version SET version = $1', [version]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    return Math.max(current, migrations.length);
  } finally {
    await client.end();
  }
}
