import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusResult } from '../../protocol/index.js';
import { TestHome, waitFor } from '../helpers/daemon.js';
import {
  clickNotification,
  electronBinary,
  launchApp,
  notificationsShown,
  skipReason,
  trayAction,
  trayView,
  utilityNames,
  type RunningApp,
} from './electron-app.js';

/**
 * The desktop app end to end with Playwright's Electron driver: the built app (out/main/index.js) on a
 * temporary QUEUECTL_HOME with the environment `worker start` gives it, driven by the built CLI like a user
 * would, its window seen through the dashboard's own elements, its tray and notifications through a view in
 * the main process (app.evaluate).
 *
 * Needs the Electron binary (not downloadable on our CI), a display and the Electron build of better-sqlite3:
 * without one of them this prints one `skipped: …` line saying which, and every test here is reported as
 * skipped, never as passed.
 */
const skip = skipReason();
const binary = skip ? null : electronBinary();
if (skip) process.stdout.write(`${skip}\n`);

describe.skipIf(!binary)('desktop app (Electron): engine in main, window, tray', () => {
  let home: TestHome;
  let running: RunningApp;

  /** Fails on its first run and succeeds on any later one. */
  const failsOnce = (marker: string): string =>
    `test -f ${join(home.home, marker)} || { touch ${join(home.home, marker)}; echo first-run-fails >&2; exit 3; }`;

  beforeAll(async () => {
    home = new TestHome();
    running = await launchApp(binary!, home, ['--count', '2']);
  }, 120_000);
  afterAll(async () => {
    await running?.app.close().catch(() => undefined);
    await home?.dispose();
  });

  it('hosts the engine on the data directory: the CLI talks to the app itself, its workers are utility processes', async () => {
    const status = await home.json<StatusResult>(['status']);
    expect(status.pid).toBe(running.app.process().pid);
    expect(status.home).toBe(home.home);
    expect(status.workers).toHaveLength(2);
    expect(running.window.url()).toMatch(/^app:\/\/queuectl\/index\.html/);
    // By their service names: Chromium's own services (network, storage, audio) are utility processes too.
    const names = await utilityNames(running.app);
    expect(names.filter((n) => n.startsWith('queuectl worker ')).sort()).toEqual(['queuectl worker 1', 'queuectl worker 2']);
  });

  it('enqueue --notify: a notification when the job ends; clicking it opens that job in the window', async () => {
    const { app, window } = running;
    const id = await home.ok(['enqueue', 'exit 0', '--name', 'notify-me', '--notify']);
    await home.until(id, 'completed');
    const shown = await waitFor(
      async () => (await notificationsShown(app)).find((n) => n.route === `#/jobs/${id}`),
      10_000,
      'the --notify notification',
    );
    expect(shown).toMatchObject({ kind: 'finished', title: `Job completed: notify-me (${id})` });
    expect(shown.body).toMatch(/exit code 0/);
    await clickNotification(app, shown.route);
    await waitFor(() => window.url().endsWith(`#/jobs/${id}`), 10_000, 'the job detail');
  });

  it('a job enqueued through the CLI shows up in the window', async () => {
    const { window } = running;
    const id = await home.ok(['enqueue', 'sleep 1', '--name', 'from-the-cli']);
    await window.getByRole('link', { name: 'Jobs' }).click();
    const row = window.locator(`tr[data-job-id="${id}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toContain('from-the-cli');
    await home.until(id, 'completed');
  });

  it('a dead job is retried from the window and completes', async () => {
    const { window } = running;
    const id = await home.ok(['enqueue', failsOnce('m-retry'), '--retries', '0']);
    await home.until(id, 'dead');
    await window.getByRole('link', { name: 'Dead letters' }).click();
    const row = window.locator(`tr[data-job-id="${id}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.getByRole('button', { name: 'Retry' }).click();
    const job = await home.until(id, 'completed');
    expect(job.attempt_history.map((a) => a.outcome)).toEqual(['failed', 'completed']);
  });

  it('the tray shows counts, turns to attention for a dead job while the window is hidden, and back once shown', async () => {
    const { app } = running;
    const before = await trayView(app);
    expect(before.created).toBe(true);
    expect(before.tooltip).toMatch(/^\d+ running · \d+ pending · \d+ dead$/);
    expect(before.menu.map((m) => m.label).filter(Boolean)).toEqual(expect.arrayContaining(['Open dashboard', 'Workers', 'Preferences', 'Quit queuectl']));

    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.hide());
    const unseen = (await trayView(app)).state.unseenDead;
    const id = await home.ok(['enqueue', 'exit 7', '--retries', '0']);
    await home.until(id, 'dead');
    const attention = await waitFor(async () => {
      const view = await trayView(app);
      return view.icon === 'attention' && view.state.unseenDead === unseen + 1 ? view : undefined;
    }, 10_000, 'the attention icon');
    expect(attention.menu.map((m) => m.label)).toContain(`${unseen + 1} new in the dead-letter queue`);
    const dead = (await home.json<StatusResult>(['status'])).counts.dead;
    expect(attention.tooltip).toMatch(new RegExp(` ${dead} dead$`));

    // Showing the window (as Open dashboard does) is the user looking: no more attention.
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.show());
    await waitFor(async () => (await trayView(app)).icon !== 'attention', 10_000, 'the attention icon to clear');
  });

  it('Workers ▸ 3 in the tray scales the pool live; Retry all dead empties the DLQ', async () => {
    const { app } = running;
    await trayAction(app, { type: 'workers', count: 3 });
    await waitFor(async () => (await home.json<StatusResult>(['status'])).workers.length === 3, 10_000, 'three workers');
    expect((await home.json<{ value: number }>(['config', 'get', 'workers'])).value).toBe(3);
    await waitFor(async () => (await trayView(app)).state.workers === 3, 10_000, 'the tray to show three workers');

    const id = await home.ok(['enqueue', failsOnce('m-tray'), '--retries', '0']);
    await home.until(id, 'dead');
    await trayAction(app, { type: 'retry-dead' });
    await home.until(id, 'completed');
  });

  it('the window cannot open windows, navigate away, or call anything but protocol methods', async () => {
    const { window } = running;
    const probe = await window.evaluate(async () => {
      const w = globalThis as unknown as {
        open(url: string): unknown;
        queuectl: Record<string, unknown> & { invoke(m: string, p: unknown): Promise<unknown> };
        require?: unknown;
        process?: unknown;
      };
      return {
        opened: w.open('https://example.com/') === null,
        api: Object.keys(w.queuectl).sort(),
        node: typeof w.require === 'undefined' && typeof w.process === 'undefined',
        unknown: await w.queuectl.invoke('shell.exec', { cmd: 'id' }),
        hello: await w.queuectl.invoke('hello', {}),
        badParams: await w.queuectl.invoke('list', ['not', 'an', 'object']),
        good: await w.queuectl.invoke('status', {}),
      };
    });
    expect(probe.opened).toBe(true);
    expect(probe.api).toEqual(['invoke', 'onEvent']);
    expect(probe.node).toBe(true);
    expect(probe.unknown).toMatchObject({ error: { data: { code: 'METHOD_NOT_FOUND' } } });
    expect(probe.hello).toMatchObject({ error: { data: { code: 'METHOD_NOT_FOUND' } } });
    expect(probe.badParams).toMatchObject({ error: { data: { code: 'INVALID_ARGUMENT' } } });
    expect(probe.good).toMatchObject({ result: { pid: running.app.process().pid } });
    await window.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(window.url()).toMatch(/^app:\/\/queuectl\//);
  });

  it('quits gracefully: the engine stops, the socket goes away, the process exits 0', async () => {
    const { app } = running;
    const exited = new Promise<number | null>((r) => app.process().once('exit', (code) => r(code)));
    await app.close();
    expect(await exited).toBe(0);
    expect(running.log()).toContain('stopped');
    expect(await home.answers()).toBe(false);
  });
});

describe.skipIf(!binary)('desktop app (Electron): close to tray never blocks `queuectl worker stop`', () => {
  let home: TestHome;
  let running: RunningApp;

  beforeAll(async () => {
    home = new TestHome();
    running = await launchApp(binary!, home);
  }, 120_000);
  afterAll(async () => {
    await running?.app.close().catch(() => undefined);
    await home?.dispose();
  });

  it('closing the window hides it to the tray (where a tray host shows it); worker stop then ends the app', async () => {
    const { app } = running;
    const view = await waitFor(async () => {
      const v = await trayView(app);
      return v.state.trayHostProblem !== 'still looking for a tray host' ? v : undefined;
    }, 10_000, 'the tray host answer');
    if (!view.holdsWindow) {
      // No StatusNotifier host (a bare Xvfb): closing must quit rather than hide the window into nothing.
      process.stdout.write(`note: no tray host here (${view.state.trayHostProblem}); checking that closing quits instead\n`);
      const quit = new Promise<number | null>((r) => app.process().once('exit', (code) => r(code)));
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
      expect(await quit).toBe(0);
      return;
    }
    // As the window manager's close button does: BrowserWindow.close() emits 'close', which the app answers.
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
    await waitFor(
      async () => {
        const w = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((x) => ({ visible: x.isVisible() })));
        return w.length === 1 && !w[0]!.visible;
      },
      10_000,
      'the window to be hidden, not closed',
    );
    expect((await home.json<StatusResult>(['status'])).pid).toBe(app.process().pid);
    const exited = new Promise<number | null>((r) => app.process().once('exit', (code) => r(code)));
    expect((await home.cli(['worker', 'stop', '--timeout', '5s'])).code).toBe(0);
    expect(await exited).toBe(0);
  });
});

describe.skipIf(!binary)('desktop app (Electron): SIGTERM to main is a graceful stop', () => {
  let home: TestHome;
  let running: RunningApp;

  beforeAll(async () => {
    home = new TestHome();
    running = await launchApp(binary!, home, ['--count', '1']);
  }, 120_000);
  afterAll(async () => {
    await running?.app.close().catch(() => undefined);
    await home?.dispose();
  });

  it('requeues the running job and exits 0; a later start runs it', async () => {
    const { app } = running;
    await home.ok(['config', 'set', 'stop_timeout_ms', '500']);
    const id = await home.ok(['enqueue', 'sleep 30']);
    await home.until(id, 'processing');
    const exited = new Promise<number | null>((r) => app.process().once('exit', (code) => r(code)));
    process.kill(app.process().pid!, 'SIGTERM');
    expect(await exited).toBe(0);
    expect(running.log()).toMatch(/SIGTERM: stopping gracefully/);
    await home.start(1);
    const job = await home.show(id);
    expect(job.attempt_history.map((a) => a.outcome)).toContain('requeued');
    await home.stop();
  });
});
