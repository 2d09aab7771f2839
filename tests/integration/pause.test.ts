import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestHome } from '../helpers/daemon.js';

/** `queuectl pause` / `resume` against the real daemon: held jobs, running ones untouched, kept across restarts. */
describe('pause and resume', () => {
  let home: TestHome;
  beforeEach(() => {
    home = new TestHome();
  });
  afterEach(async () => {
    await home.dispose();
  });

  it('pause holds new jobs while a running one finishes; status says so; resume runs what waited', async () => {
    await home.start(1);
    const running = await home.ok(['enqueue', 'sleep 1']);
    await home.until(running, 'processing');
    const paused = await home.cli(['pause']);
    expect(paused).toMatchObject({ code: 0, stdout: '' });
    expect(paused.stderr).toBe('queuectl: every queue paused; running jobs go on, no new job starts until: queuectl resume\n');
    const held = await home.ok(['enqueue', 'echo held']);
    await home.until(running, 'completed');
    await new Promise((r) => setTimeout(r, 700));
    expect((await home.show(held)).state).toBe('pending');

    const status = await home.json<{ paused: boolean; paused_since: string }>(['status']);
    expect(status.paused).toBe(true);
    expect(Date.parse(status.paused_since)).toBeGreaterThan(Date.now() - 60_000);
    expect(await home.ok(['status'])).toMatch(/^paused (.* ago|now), every queue: no job starts until queuectl resume/m);
    expect((await home.cli(['pause'])).stderr).toMatch(/^queuectl: every queue was already paused \((.* ago|just now)\)$/m);

    expect(await home.json(['resume'])).toEqual({ queue: null, paused: false, paused_since: null, changed: true });
    await home.until(held, 'completed');
    expect((await home.cli(['resume'])).stderr).toBe('queuectl: every queue was running already; nothing to resume\n');
    expect(await home.ok(['status'])).not.toMatch(/paused/);
  });

  it('a paused queue stays paused across a restart, with its original time', async () => {
    await home.start(1);
    const before = await home.json<{ paused_since: string }>(['pause']);
    await home.stop();
    await home.start(1);
    const held = await home.ok(['enqueue', 'true']);
    await new Promise((r) => setTimeout(r, 700));
    expect((await home.show(held)).state).toBe('pending');
    const status = await home.json<{ paused: boolean; paused_since: string }>(['status']);
    expect(status).toMatchObject({ paused: true, paused_since: before.paused_since });
    expect(home.daemonLog()).toContain('every queue is paused (since');
    await home.ok(['resume']);
    await home.until(held, 'completed');
  });

  it('pause and resume with no daemon are stored, and the daemon that starts keeps to them', async () => {
    const paused = await home.cli(['pause']);
    expect(paused.code).toBe(0);
    expect(paused.stderr).toMatch(/no daemon is running .*working on the store directly[\s\S]*every queue paused/);
    const held = await home.ok(['enqueue', 'echo held']);
    expect((await home.json<{ paused: boolean }>(['status'])).paused).toBe(true);
    await home.start(1);
    await new Promise((r) => setTimeout(r, 700));
    expect((await home.show(held)).state).toBe('pending');
    await home.ok(['worker', 'stop']);
    expect((await home.cli(['resume'])).code).toBe(0);
    await home.start(1);
    await home.until(held, 'completed');
  });
});
