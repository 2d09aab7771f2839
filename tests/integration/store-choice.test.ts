import { readFileSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { maskPassword, type StatusResult } from '../../protocol/index.js';
import { homePaths } from '../../protocol/node/paths.js';
import { TestHome } from '../helpers/daemon.js';
import { describePostgres, onlyOnSqlite, withDatabase } from '../helpers/postgres.js';

/**
 * `worker start --store`: the built CLI and a real daemon. The test server trusts local connections, so the
 * password in these URLs is never checked, only carried: it must show up nowhere.
 */

const SECRET = 'Hunter2-s3cret';

/** `url` with a user and SECRET as its password. */
function withPassword(url: string): string {
  const u = new URL(url);
  if (u.username === '') u.username = 'postgres';
  u.password = SECRET;
  return u.toString();
}

describe('worker start --store that cannot work', () => {
  const t = new TestHome();
  afterAll(() => t.dispose());

  it('a malformed value is one line and exit 2 before anything starts, the password masked', async () => {
    for (const [args, env] of [
      [['--store', `postgress://ann:${SECRET}@db/q`], {}],
      [[], { QUEUECTL_STORE: `mysql://ann:${SECRET}@db/q` }],
    ] as const) {
      const r = await t.cli(['worker', 'start', '--detach', ...args], { env });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('ann:***@db/q');
      expect(r.stderr + r.stdout).not.toContain(SECRET);
    }
    expect(await t.answers()).toBe(false);
  });

  it('a server that does not answer: one line naming the masked URL and the cause, exit 1, in the foreground and detached', async () => {
    const url = `postgres://ann:${SECRET}@127.0.0.1:1/q`;
    for (const mode of ['--headless', '--detach']) {
      const r = await t.cli(['worker', 'start', mode, '--store', url]);
      expect(r.code, r.stderr).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toContain('postgres://ann:***@127.0.0.1:1/q');
      expect(lines[0]).toContain('ECONNREFUSED');
      expect(r.stderr + r.stdout + t.daemonLog()).not.toContain(SECRET);
    }
  });
});

describePostgres('worker start --store postgres://…', (databaseUrl) => {
  const t = new TestHome();
  afterAll(() => t.dispose());

  /** In the postgres project the home's own QUEUECTL_STORE (TestHome) outranks the choice --store remembers. */
  const itChoosingItsStore = onlyOnSqlite("QUEUECTL_STORE names the home's own database here, outranking --store; the sqlite project runs it");

  itChoosingItsStore('runs the queue on PostgreSQL: status says so, masked; a job runs; the choice is remembered (0600) and daemonless commands use it; no password anywhere', async () => {
    const url = withPassword(databaseUrl());
    const started = await t.cli(['worker', 'start', '--detach', '--count', '1', '--store', url, '--json']);
    expect(started.code, started.stderr).toBe(0);

    const status = await t.json<StatusResult>(['status']);
    expect(status.store).toEqual({ kind: 'postgres', display: maskPassword(url), available: true, unavailable_since: null, last_error: null });
    expect(status.store.display).toContain(':***@');
    const human = await t.ok(['status']);
    expect(human.split('\n')).toContain(`store: postgres (${maskPassword(url)})`);

    const id = await t.ok(['enqueue', 'echo ran-on-postgres']);
    await t.until(id, 'completed');
    expect(await t.ok(['logs', id])).toContain('ran-on-postgres');

    const file = homePaths(t.home).storeChoice;
    expect(readFileSync(file, 'utf8')).toBe(`${url}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    for (const text of [JSON.stringify(status), human, t.daemonLog()]) expect(text).not.toContain(SECRET);

    // With no daemon, a command reads the same store itself (in-process), not an empty SQLite file.
    await t.stop();
    const local = await t.json<StatusResult>(['status']);
    expect(local.daemon_running).toBe(false);
    expect(local.store.kind).toBe('postgres');
    expect((await t.show(id)).state).toBe('completed');
  });

  it('a database that does not exist: one line naming the masked URL and the cause, exit 1', async () => {
    const u = new TestHome();
    try {
      const url = withPassword(withDatabase(databaseUrl(), 'qtest_no_such_database'));
      const r = await u.cli(['worker', 'start', '--detach', '--store', url]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toEqual([expect.stringContaining(maskPassword(url))]);
      expect(r.stderr).toContain('does not exist');
      expect(r.stderr + r.stdout + u.daemonLog()).not.toContain(SECRET);
    } finally {
      await u.dispose();
    }
  });
});
