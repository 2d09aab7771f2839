import { copyFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

/**
 * The database deleted or replaced under a running daemon (docs/reliability.md): every write is refused
 * with STORAGE_ERROR saying so, nothing is acknowledged into a file nobody will read again, the scheduler
 * starts nothing more, and the daemon still stops when asked.
 */
describe('the database removed or replaced while the daemon runs', () => {
  let t: TestHome;
  afterEach(() => t.dispose());

  const storageLost = /STORAGE_ERROR|database file .*queuectl\.db was removed or replaced while the daemon was running; nothing was changed/;

  it('rm queuectl.db*: enqueue is refused (exit 1, says what happened and to restart), nothing runs, worker stop works', async () => {
    t = new TestHome();
    await t.start(1);
    const before = await t.ok(['enqueue', 'echo before']);
    await t.until(before, 'completed');
    for (const name of readdirSync(t.home)) if (name.startsWith('queuectl.db')) rmSync(join(t.home, name));
    const r = await t.cli(['enqueue', `touch ${join(t.home, 'ran')}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(storageLost);
    expect(r.stderr).toMatch(/worker stop, then queuectl worker start/);
    expect(r.stdout).toBe('');
    await waitFor(() => /queuectl\.db was removed or replaced: this daemon refuses every write/.test(t.daemonLog()), 5000, 'the log line');
    const stop = await t.cli(['worker', 'stop', '--timeout', '2s']);
    expect(stop.code, stop.stderr).toBe(0);
    // Restarted on a fresh database: the refused job was never stored anywhere, and never ran.
    await t.start(1);
    expect(JSON.parse(await t.ok(['list', '--json'])) as Job[]).toEqual([]);
    expect(readdirSync(t.home)).not.toContain('ran');
  });

  it('another valid database moved over it: refused the same way; the other database is left as it was', async () => {
    t = new TestHome();
    const other = new TestHome();
    try {
      await other.start(1);
      const theirs = await other.ok(['enqueue', JSON.stringify({ id: 'theirs', command: 'true' })]);
      await other.until(theirs, 'completed');
      await other.stop();

      await t.start(1);
      await t.ok(['enqueue', JSON.stringify({ id: 'mine', command: 'true' })]);
      copyFileSync(join(other.home, 'queuectl.db'), join(t.home, 'replacement.db'));
      renameSync(join(t.home, 'replacement.db'), join(t.home, 'queuectl.db'));
      const r = await t.cli(['cancel', 'mine']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(storageLost);
      const enq = await t.cli(['enqueue', 'true']);
      expect(enq.stderr).toMatch(storageLost);
      expect((await t.cli(['worker', 'stop', '--timeout', '2s'])).code).toBe(0);
      await t.start(1);
      const jobs = JSON.parse(await t.ok(['list', '--json'])) as Job[];
      expect(jobs.map((j) => j.id)).toEqual(['theirs']);
    } finally {
      await other.dispose();
    }
  });
});
