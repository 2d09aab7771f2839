import type Database from 'better-sqlite3';

/** Deletes every dead job (attempts cascade) in one transaction; answers their ids so the caller can delete the logs. */
export function preparePurgeDead(db: Database.Database) {
  const purge = db.prepare<[], { id: string }>(`DELETE FROM jobs WHERE state = 'dead' RETURNING id`);
  return db.transaction((): string[] => purge.all().map((r) => r.id));
}
