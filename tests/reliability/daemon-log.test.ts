import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DaemonLog } from '../../electron/daemon/log-file.js';
import { TestHome } from '../helpers/daemon.js';

/**
 * daemon.log is the detached daemon's own file (docs/reliability.md): it rotates it at a cap (one older
 * file, daemon.log.1), so a busy daemon cannot fill the disk; start-up errors still reach the CLI.
 */
describe('daemon.log rotation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qctl-dlog-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('past the cap the file becomes daemon.log.1 and a new one starts: at most about twice the cap on disk', () => {
    const path = join(dir, 'daemon.log');
    const log = new DaemonLog(path, 10_000);
    for (let i = 0; i < 2000; i++) log.line(`line ${i} ${'x'.repeat(40)}`);
    log.close();
    expect(statSync(path).size).toBeLessThanOrEqual(10_000);
    expect(statSync(`${path}.1`).size).toBeLessThanOrEqual(10_000);
    expect(readFileSync(path, 'utf8')).toMatch(/line 1999 x+\n$/);
    expect(readFileSync(`${path}.1`, 'utf8').split('\n')[0]).toMatch(/^line \d+ /);
  });

  it('a daemon.log swapped for a link is never written through, at rotation either', () => {
    const path = join(dir, 'swapped.log');
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'victim\n');
    const log = new DaemonLog(path, 1000);
    rmSync(path);
    symlinkSync(victim, path);
    for (let i = 0; i < 100; i++) log.line(`line ${i} ${'y'.repeat(40)}`);
    log.close();
    expect(readFileSync(victim, 'utf8')).toBe('victim\n');
    expect(readFileSync(path, 'utf8')).toMatch(/line 99/); // a fresh file replaced the link at the rotation
  });
});

describe('the detached daemon writes daemon.log itself', () => {
  const t = new TestHome();
  afterAll(() => t.dispose());

  it('its stdout and stderr are not daemon.log (no CLI redirect), and it logs there', async () => {
    const pid = await t.start(1);
    const fds = [1, 2].map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`));
    for (const target of fds) expect(target).not.toContain('daemon.log');
    expect(t.daemonLog()).toMatch(/queuectl engine started/);
  });

  it('a start-up error reaches the CLI that started it', async () => {
    const u = new TestHome();
    try {
      symlinkSync('/nonexistent', join(u.home, 'queuectl.db-wal'));
      const r = await u.cli(['worker', 'start', '--detach']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/did not start [\s\S]*queuectl\.db-wal is a symbolic link/);
      expect(existsSync(join(u.home, 'daemon.log'))).toBe(true);
    } finally {
      await u.dispose();
    }
  });
});
