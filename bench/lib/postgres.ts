import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

/** The tests' private-server script: initdb into a temp directory, 127.0.0.1 + a unix socket (as root, as postgres). */
const SERVER_SCRIPT = resolve('scripts/pg-test-server.sh');

/**
 * The PostgreSQL server `--store postgres` measures on: the URL `--pg-url` names, else a private server this
 * bench starts and stops. Every daemon (and every graphile-worker run) gets a database of its own, so no
 * metric sees another's rows, indexes or dead tuples.
 */
export class PgServer {
  private constructor(
    readonly url: string,
    /** The private server's directory, or null for `--pg-url` (not ours to stop). */
    private readonly dir: string | null,
  ) {}

  static start(pgUrl: string | undefined): PgServer {
    if (pgUrl) return new PgServer(pgUrl, null);
    // The script chowns the directory to the server's user and deletes it on stop.
    const dir = mkdtempSync(join(tmpdir(), 'qctl-bench-pg-'));
    const url = execFileSync(SERVER_SCRIPT, ['start', dir], { encoding: 'utf8' }).trim();
    return new PgServer(url, dir);
  }

  /** A new empty database on the server; answers its URL. */
  async createDatabase(): Promise<string> {
    const name = `qbench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await this.admin(`CREATE DATABASE ${name}`);
    const u = new URL(this.url);
    u.pathname = `/${name}`;
    return u.toString();
  }

  async dropDatabase(url: string): Promise<void> {
    await this.admin(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
  }

  /** The server's settings that decide what a commit costs, for the notes: the test server runs without fsync. */
  async durability(): Promise<string> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; setting: string }>(
        `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'server_version') ORDER BY name`,
      );
      return rows.map((r) => `${r.name}=${r.setting}`).join(', ');
    } finally {
      await client.end();
    }
  }

  stop(): void {
    if (this.dir) execFileSync(SERVER_SCRIPT, ['stop', this.dir], { stdio: 'ignore' });
  }

  /** CREATE/DROP DATABASE run on the maintenance database, outside any transaction. */
  private async admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}
