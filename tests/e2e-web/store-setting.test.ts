import { describe, expect, it } from 'vitest';
import type { StatusResult } from '../../protocol/index.js';
import { screenshot, useDashboard, type Dashboard } from '../helpers/browser.js';
import type { TestHome } from '../helpers/daemon.js';

/**
 * The Config page's Store card. In a browser (a page the daemon serves) it only shows the daemon's store: that
 * was chosen when the daemon started, and no page may change it. In the desktop app's window it is a field;
 * the Electron runtime cannot run here, so that half runs the same page with a stand-in for the preload's
 * `window.queuectlApp` (main's checks of the value are tests/desktop/store-setting.test.ts).
 */
describe('dashboard: the store card', () => {
  let home: TestHome;
  let dash: Dashboard;
  useDashboard(1, (t) => ({ home, dash } = t));

  it('in a browser: the daemon store, read-only, with how it is chosen; no field to change it', async () => {
    const { page } = dash;
    await page.getByRole('link', { name: 'Config' }).click();
    const { store } = await home.json<StatusResult>(['status']);
    const shown = page.getByTestId('store-running');
    await shown.waitFor();
    expect(await shown.innerText()).toBe(`${store.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ${store.display}`);
    await page.getByText('queuectl worker start --store …').waitFor();
    expect(await page.getByRole('radio').count()).toBe(0);
    expect(await page.getByLabel('PostgreSQL URL').count()).toBe(0);
  });

  it('in the desktop window: a URL checked first, sent once, shown back masked, with the restart it waits for; SQLite again', async () => {
    const page = await dash.context.newPage();
    await page.addInitScript(standInPreload);
    await page.goto(`${dash.home}#/config`);
    await page.getByText('Running on SQLite (the default).').waitFor();
    const sent = (): Promise<string[]> => page.evaluate(() => (globalThis as unknown as { sent: string[] }).sent);

    await page.getByRole('radio', { name: 'PostgreSQL' }).check();
    const field = page.getByLabel('PostgreSQL URL');
    await field.fill('mysql://ann:s3cret@db/q');
    await page.getByRole('button', { name: 'Save' }).first().click();
    await page.getByRole('alert').filter({ hasText: 'the URL: unknown store mysql://ann:***@db/q' }).waitFor();
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await sent()).toEqual([]);

    await field.fill('postgres://ann:s3cret@db.example/q?sslmode=require');
    await field.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Saved for the next start' }).waitFor();
    expect(await field.inputValue()).toBe('postgres://ann:***@db.example/q?sslmode=require');
    await page.getByRole('note').filter({ hasText: /^PostgreSQL at postgres:\/\/ann:\*\*\*@db\.example\/q\?sslmode=require from the next start\./ }).waitFor();
    expect(await sent()).toEqual(['postgres://ann:s3cret@db.example/q?sslmode=require']);
    expect(await page.content()).not.toContain('s3cret');
    await screenshot(page, 'config-store-desktop');

    await page.getByRole('radio', { name: 'SQLite' }).check();
    await page.getByRole('button', { name: 'Save' }).first().click();
    await page.getByRole('status').filter({ hasText: /^Saved$/ }).waitFor();
    expect(await sent()).toEqual(['postgres://ann:s3cret@db.example/q?sslmode=require', 'sqlite']);
    expect(await page.getByRole('note').count()).toBe(0);
    await page.close();
  });
});

/**
 * Runs in the page before its scripts: `window.queuectlApp` as the preload exposes it, answering as main does
 * for an app started on SQLite by default (the password masked, a restart needed for another store).
 */
function standInPreload(): void {
  const sent: string[] = [];
  const running = { kind: 'sqlite', display: 'sqlite' };
  const setting = (preference: { kind: string; display: string } | null) => ({
    ok: true,
    setting: { running, runningChosenBy: 'default', preference, restartNeeded: preference !== null && preference.kind !== 'sqlite' },
  });
  Object.assign(globalThis, {
    sent,
    queuectlApp: {
      storeSetting: async () => setting(null),
      setStore: async (value: string) => {
        sent.push(value);
        return setting(value === 'sqlite' ? running : { kind: 'postgres', display: value.replace(/:[^:@/]*@/, ':***@') });
      },
    },
  });
}

