import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attempt, Job } from '../../protocol/index.js';
import { homePaths } from '../../protocol/node/paths.js';
import { TestHome, hasProcess, isAlive, uniqueSleep, waitFor } from '../helpers/daemon.js';

type Shown = Job & { attempt_history: Attempt[] };

/** The daemon bundle started directly, as a second daemon on the same home; resolves with its exit code and stderr. */
function secondDaemon(t: TestHome): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [resolve('out/node/daemon.js'), '--count', '1'], { env: t.env(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stderr });
    });
  });
}

/**
 * One daemon per home, whatever a user deletes (docs/reliability.md): the lock is also held on the database
 * file itself (flock), and a socket that answers counts too. A second daemon never "recovers" the first
 * one's running job.
 */
describe('a second daemon cannot start on a home whose files were deleted', () => {
  const t = new TestHome();
  const paths = homePaths(t.home);
  let pid = 0;
  let running = '';
  const marker = uniqueSleep(30);

  beforeAll(async () => {
    pid = await t.start(1);
    await t.ok(['config', 'set', 'stop_timeout_ms', '1000']); // for the last test: a signal cannot carry --timeout
    running = await t.ok(['enqueue', marker]);
    await t.until(running, 'processing');
  });
  afterAll(() => t.dispose());

  it('daemon.lock deleted: the second daemon is refused (naming the first), the running job is not run again', async () => {
    rmSync(paths.lockFile);
    const second = await secondDaemon(t);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`already running for this data directory \\(pid ${pid}\\)`));
    const job = await t.show(running);
    expect(job.state).toBe('processing');
    expect(job.attempt_history.map((a) => a.outcome)).toEqual(['running']);
  });

  it('daemon.lock and the socket both deleted: still refused; the first daemon makes its socket again and answers', async () => {
    // Stopped meanwhile, so it cannot lock a new daemon.lock or make its socket again: the flock on the
    // database alone must refuse the second daemon.
    process.kill(pid, 'SIGSTOP');
    let second;
    try {
      rmSync(paths.lockFile, { force: true });
      rmSync(paths.socket);
      second = await secondDaemon(t);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already running/);
    const status = await waitFor(async () => {
      const r = await t.cli(['status', '--json']);
      return r.code === 0 ? (JSON.parse(r.stdout) as { pid: number }) : undefined;
    }, 5000, 'the socket to come back');
    expect(status.pid).toBe(pid);
    expect(t.daemonLog()).toMatch(/queuectl\.sock was removed or replaced; listening there again/);
    await waitFor(() => /daemon\.lock was removed or replaced; locked a new one/.test(t.daemonLog()), 5000, 'a new daemon.lock');
    expect((await t.show(running)).attempt_history).toHaveLength(1);
    expect(hasProcess(marker)).toBe(true);
  });

  it('`worker start` while a daemon holds the home but its socket is gone names the pid (no "already running" loop)', async () => {
    process.kill(pid, 'SIGSTOP'); // keeps it from making the socket again while we look
    try {
      rmSync(paths.socket);
      const status = await t.cli(['status']);
      expect(status.code).toBe(3);
      expect(status.stderr).toMatch(new RegExp(`is running \\(pid ${pid}\\) but its socket .* does not answer`));
      const start = await t.cli(['worker', 'start', '--detach']);
      expect(start.code).toBe(1);
      expect(start.stderr).toMatch(new RegExp(`already running .*\\(pid ${pid}\\) but its socket`));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  it('`worker stop` stops a daemon whose socket is gone (SIGTERM to the verified lock holder); the running job is requeued', async () => {
    process.kill(pid, 'SIGSTOP');
    rmSync(paths.socket, { force: true });
    const stopping = t.cli(['worker', 'stop', '--timeout', '1s']);
    // The CLI has found the pid by now (it only reads files); the daemon wakes up to SIGTERM.
    await new Promise((r) => setTimeout(r, 500));
    process.kill(pid, 'SIGCONT');
    const stop = await stopping;
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stderr).toMatch(new RegExp(`pid ${pid}\\) does not answer .*sending it SIGTERM`));
    expect(stop.stdout).toMatch(new RegExp(`stopped \\(pid ${pid}\\)`));
    expect(isAlive(pid)).toBe(false);
    await waitFor(() => !hasProcess(marker), 5000, 'the job to be killed');
    await t.start(1);
    const job = await t.show(running);
    expect(job.attempt_history[0]!.outcome).toBe('requeued');
  });
});

describe('one home, however it is spelled, or however long: one socket, one daemon', () => {
  const t = new TestHome();
  let pid = 0;
  beforeAll(async () => {
    pid = await t.start(1);
  });
  afterAll(() => t.dispose());

  it.each([
    ['a trailing slash', (h: string) => `${h}/`],
    ['a /./ inside', (h: string) => join(h, '.') + '/./'],
    ['a ../ detour', (h: string) => `${h}/logs/..`],
  ])('status finds the daemon with %s', async (_what, spell) => {
    const r = await t.cli(['status', '--json'], { env: { QUEUECTL_HOME: spell(t.home) } });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { pid: number }).pid).toBe(pid);
  });

  it('status finds the daemon through a symlink to the home, and worker start refuses there', async () => {
    const link = `${t.home}.link`;
    const { symlinkSync } = await import('node:fs');
    symlinkSync(t.home, link);
    try {
      const r = await t.cli(['status', '--json'], { env: { QUEUECTL_HOME: link } });
      expect(r.code, r.stderr).toBe(0);
      const start = await t.cli(['worker', 'start', '--detach'], { env: { QUEUECTL_HOME: link } });
      expect(start.code).toBe(1);
      expect(start.stderr).toMatch(new RegExp(`already running for ${t.home} \\(pid ${pid}\\)`));
    } finally {
      rmSync(link);
    }
  });

  it('a home whose socket path would not fit sockaddr_un: start, status (spelled two ways), stop', async () => {
    const long = new TestHome();
    const deep = join(long.home, 'x'.repeat(60), 'y'.repeat(60));
    const env = { QUEUECTL_HOME: deep };
    try {
      const start = await long.cli(['worker', 'start', '--detach', '--count', '1', '--json'], { env });
      expect(start.code, start.stderr).toBe(0);
      const paths = homePaths(deep);
      expect(paths.socket.startsWith(deep)).toBe(false);
      expect(Buffer.byteLength(paths.socket)).toBeLessThanOrEqual(100);
      for (const spelled of [deep, `${deep}/`, `${deep}/./`]) {
        const r = await long.cli(['status', '--json'], { env: { QUEUECTL_HOME: spelled } });
        expect(r.code, `${spelled}: ${r.stderr}`).toBe(0);
      }
      const stop = await long.cli(['worker', 'stop'], { env: { QUEUECTL_HOME: `${deep}/` } });
      expect(stop.code, stop.stderr).toBe(0);
    } finally {
      await long.cli(['worker', 'stop', '--timeout', '1s'], { env });
      await long.dispose();
    }
  });
});
