import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, TestHome, isAlive, startCli, uniqueSleep, waitFor } from '../helpers/daemon.js';

/**
 * The CLI never waits for ever on a daemon that does not answer: with the daemon stopped by SIGSTOP, every
 * request ends at its deadline (QUEUECTL_TIMEOUT, else 15 s) with exit 3 and a message naming the daemon's
 * pid and what to do. Long waits (wait, logs --follow, status --watch) live past the deadline while the
 * daemon answers their pings, and end the same way once it stops answering.
 */

const FAST = { QUEUECTL_TIMEOUT: '1s' };

describe('CLI deadlines against a daemon stopped by SIGSTOP (real daemon, built CLI)', () => {
  let t: TestHome;
  let pid: number;
  let stopped = false;
  const freeze = (): void => {
    process.kill(pid, 'SIGSTOP');
    stopped = true;
  };
  const thaw = (): void => {
    if (stopped) process.kill(pid, 'SIGCONT');
    stopped = false;
  };

  beforeAll(async () => {
    t = new TestHome();
    pid = await t.start(2);
  });
  afterEach(thaw);
  afterAll(async () => {
    thaw();
    await t.dispose();
  });

  it('status ends with exit 3 naming the pid: at QUEUECTL_TIMEOUT=1s in about a second, and at the 15 s default', async () => {
    freeze();
    const started = Date.now();
    const byDefault = t.cli(['status']);
    const fast = await t.cli(['status'], { env: FAST });
    const fastMs = Date.now() - started;
    expect(fast.code).toBe(3);
    expect(fast.stderr).toContain(`the queuectl daemon (pid ${pid}) did not answer \`hello\` within 1.00s`);
    expect(fast.stderr).toContain(`kill -CONT ${pid}`);
    expect(fast.stderr).toContain('QUEUECTL_TIMEOUT');
    expect(fastMs).toBeLessThan(5_000);
    const slow = await byDefault;
    expect(slow.code).toBe(3);
    expect(slow.stderr).toContain(`(pid ${pid}) did not answer \`hello\` within 15.0s`);
    expect(Date.now() - started).toBeLessThan(25_000);
    thaw();
    expect((await t.cli(['status'], { env: FAST })).code).toBe(0);
  });

  it('a bad QUEUECTL_TIMEOUT is a usage error (exit 2)', async () => {
    const r = await t.cli(['status'], { env: { QUEUECTL_TIMEOUT: 'soon' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('QUEUECTL_TIMEOUT must be a duration');
  });

  it('wait and logs --follow outlive the 1 s deadline while the daemon answers', async () => {
    const id = await t.ok(['enqueue', 'sleep 3; echo done']);
    const waiting = startCli(t, ['wait', id], FAST);
    const following = startCli(t, ['logs', '--follow', id], FAST);
    const [w, f] = await Promise.all([waiting.done, following.done]);
    expect(w.code, w.stderr).toBe(0);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toBe('done\n');
  });

  it('wait, logs --follow and status --watch end with exit 3 naming the pid once the daemon stops answering their pings', async () => {
    const id = await t.ok(['enqueue', `echo started; ${uniqueSleep(60)}`]);
    await t.until(id, 'processing');
    const waiting = startCli(t, ['wait', id], FAST);
    const following = startCli(t, ['logs', '--follow', id], FAST);
    const watching = startCli(t, ['status', '--watch', '--json'], FAST);
    await waitFor(() => following.stdout().includes('started') && watching.stdout().includes('\n'), 10_000, 'follow and watch to print');
    freeze();
    const frozenAt = Date.now();
    const ends = await Promise.all([waiting.done, following.done, watching.done]);
    expect(Date.now() - frozenAt).toBeLessThan(8_000);
    for (const r of ends) {
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(`the queuectl daemon (pid ${pid}) did not answer`);
    }
    expect(ends[1]!.stderr).toContain('did not answer a ping');
    expect(ends[2]!.stderr).toContain('did not answer a ping');
    thaw();
    expect(isAlive(pid)).toBe(true);
    await t.ok(['cancel', id]);
  });
});
