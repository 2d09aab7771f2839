import type Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations/index.js';

/** Brings the schema up to date, one transaction per migration. Refuses a database from a newer queuectl. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `the database has schema version ${current}, newer than this queuectl understands (${MIGRATIONS.length}); upgrade queuectl`,
    );
  }
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version - 1]!);
      db.pragma(`user_version = ${version}`);
    })();
  }
}
