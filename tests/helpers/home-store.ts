import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { TestHome } from './daemon.js';

/** One statement for each store: SQLite's (times in epoch ms) and PostgreSQL's (schema queuectl, timestamptz). */
export interface StoreSql {
  sqlite: string;
  postgres: string;
}

/**
 * Runs a statement straight against the store a TestHome's daemon uses, beside the daemon (tests that age
 * rows or read what no command shows): the home's queuectl.db (WAL mode, so a second writer is fine; the busy
 * timeout waits for the daemon), or its PostgreSQL database in the matrix's postgres project. Parameters are
 * positional (`?` for SQLite, `$1…` for PostgreSQL). Returns the rows, or for a write the number changed.
 */
export async function storeQuery<T>(t: TestHome, sql: StoreSql, params: unknown[] = []): Promise<{ rows: T[]; changes: number }> {
  if (t.database) {
    const client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
    try {
      const r = await client.query(sql.postgres, params);
      return { rows: r.rows as T[], changes: r.rowCount ?? 0 };
    } finally {
      await client.end();
    }
  }
  const db = new Database(join(t.home, 'queuectl.db'), { timeout: 5000 });
  try {
    const statement = db.prepare(sql.sqlite);
    if (statement.reader) return { rows: statement.all(...params) as T[], changes: 0 };
    return { rows: [], changes: statement.run(...params).changes };
  } finally {
    db.close();
  }
}
