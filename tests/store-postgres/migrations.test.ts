import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPassword } from '../../electron/engine/store/postgres/connect.js';
import { migratePostgres } from '../../electron/engine/store/postgres/migrate.js';
import { PG_MIGRATIONS } from '../../electron/engine/store/postgres/migrations/index.js';
import { openPostgresStore } from '../../electron/engine/store/postgres/index.js';
import { describePostgres } from '../helpers/postgres.js';

describePostgres('the PostgreSQL store: migrations', (url) => {
  let admin: pg.Client;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url() });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
  });
  const version = async (): Promise<number> => (await admin.query('SELECT version FROM queuectl.schema_version')).rows[0].version;

  it('three migrators at once on an empty database: one migrates under the lock, the others find it done', async () => {
    const versions = await Promise.all([migratePostgres(url()), migratePostgres(url()), migratePostgres(url())]);
    expect(versions).toEqual([PG_MIGRATIONS.length, PG_MIGRATIONS.length, PG_MIGRATIONS.length]);
    expect(await version()).toBe(PG_MIGRATIONS.length);
    expect((await admin.query('SELECT count(*)::int AS n FROM queuectl.schema_version')).rows[0].n).toBe(1);
  });

  it('is idempotent: a second run changes nothing', async () => {
    await admin.query(`INSERT INTO queuectl.config (key, value) VALUES ('k', '1')`);
    expect(await migratePostgres(url())).toBe(PG_MIGRATIONS.length);
    expect((await admin.query('SELECT value FROM queuectl.config')).rows).toEqual([{ value: '1' }]);
  });

  it('applies a later migration once, in order, and refuses a schema newer than it knows', async () => {
    const next = [...PG_MIGRATIONS, 'CREATE TABLE queuectl.later (x int)'];
    expect(await migratePostgres(url(), next)).toBe(next.length);
    expect(await migratePostgres(url(), next)).toBe(next.length);
    await expect(migratePostgres(url())).rejects.toThrow(
      `the PostgreSQL database has queuectl schema version ${next.length}, newer than this queuectl understands (${PG_MIGRATIONS.length}); upgrade queuectl`,
    );
    await expect(openPostgresStore(url())).rejects.toThrow(/newer than this queuectl understands/);
    // Refused before anything was touched.
    expect(await version()).toBe(next.length);
  });
});

describe('maskPassword', () => {
  it('hides the password of a URL, in its userinfo or its query, and keeps the rest', () => {
    expect(maskPassword('postgres://ann:s3cr%40t@db.example:5433/q?sslmode=verify-full')).toBe('postgres://ann:***@db.example:5433/q?sslmode=verify-full');
    expect(maskPassword('postgresql://ann@db/q?password=hunter2&sslmode=require')).toBe('postgresql://ann@db/q?password=***&sslmode=require');
    expect(maskPassword('postgres://db/q')).toBe('postgres://db/q');
  });

  it('never echoes a libpq key=value string beyond its host, port, database and user', () => {
    expect(maskPassword('host=db port=5432 dbname=q user=ann password=hunter2')).toBe('host=db port=5432 dbname=q user=ann');
  });
});
