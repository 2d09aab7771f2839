import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foreignRequests, launchBrowser, openDashboard, screenshot, type Dashboard } from '../helpers/browser.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

/** The config screen edits the daemon's settings: the same values the CLI reads and writes. */
describe('dashboard in a browser: config', () => {
  let home: TestHome;
  let browser: Browser;
  let dash: Dashboard;

  beforeAll(async () => {
    home = new TestHome();
    await home.start(1);
    browser = await launchBrowser();
    dash = await openDashboard(browser, home);
    await dash.page.getByRole('link', { name: 'Config' }).click();
  });
  afterAll(async () => {
    await browser?.close();
    await home?.dispose();
  });

  const configGet = (key: string): Promise<string> => home.ok(['config', 'get', key]);

  it('every config key is listed with its description and current value', async () => {
    const { page } = dash;
    const values = await home.json<Record<string, number | string>>(['config', 'list']);
    expect(Object.keys(values).length).toBeGreaterThanOrEqual(11);
    for (const key of Object.keys(values)) {
      const entry = { key, value: values[key], ...(await home.json<{ description: string }>(['config', 'get', key])) };
      const input = page.getByLabel(entry.key, { exact: true });
      await input.waitFor();
      const shown = await input.inputValue();
      expect(typeof entry.value === 'string' ? shown : Number(shown)).toBe(entry.value); // text settings (on_finish) as they are
      await page.getByText(entry.description.slice(0, 30)).first().waitFor();
    }
    await screenshot(page, 'config');
  });

  it('a value out of range shows an inline error and is not saved', async () => {
    const { page } = dash;
    const before = await configGet('max_retries');
    const input = page.getByLabel('max_retries', { exact: true });
    await input.fill('5000');
    await input.press('Enter');
    const alert = page.getByRole('alert').filter({ hasText: /1000|between|at most/ });
    await alert.waitFor();
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'config-invalid');
    expect(await configGet('max_retries')).toBe(before);

    await input.fill('-1');
    await input.press('Enter');
    await page.getByRole('alert').first().waitFor();
    expect(await configGet('max_retries')).toBe(before);
  });

  it('a valid value is saved, applied by the daemon and seen by queuectl config get', async () => {
    const { page } = dash;
    const input = page.getByLabel('max_retries', { exact: true });
    await input.fill('7');
    await input.press('Enter');
    await page.getByText('Saved').first().waitFor();
    expect(await configGet('max_retries')).toBe('7');
    expect(await input.getAttribute('aria-invalid')).not.toBe('true');

    const workers = page.getByLabel('workers', { exact: true });
    await workers.fill('3');
    await workers.press('Enter');
    await page.getByText('Saved').first().waitFor();
    expect(await configGet('workers')).toBe('3');
    const status = await home.json<{ workers: unknown[] }>(['status']);
    expect(status.workers.length).toBe(3);
  });

  it('a value set from the CLI shows in the window once it is read again', async () => {
    const { page } = dash;
    await home.ok(['config', 'set', 'backoff_base', '3']);
    await page.reload();
    const input = page.getByLabel('backoff_base', { exact: true });
    await input.waitFor();
    expect(Number(await input.inputValue())).toBe(3);
  });

  it('a text setting (on_finish) has a text input: saved as typed, cleared when emptied', async () => {
    const { page } = dash;
    const input = page.getByLabel('on_finish', { exact: true });
    expect(await input.getAttribute('type')).toBe('text');
    const command = 'notify-send "done $QUEUECTL_JOB_ID"';
    await input.fill(command);
    await input.press('Enter');
    await waitFor(async () => (await configGet('on_finish')) === command, 10_000, 'on_finish to be saved');
    await input.fill('');
    await input.press('Enter');
    await waitFor(async () => (await configGet('on_finish')) === '', 10_000, 'on_finish to be cleared');
    expect(await input.getAttribute('aria-invalid')).not.toBe('true');
  });

  it('the page made no request to anything but its own 127.0.0.1 origin', () => {
    expect(foreignRequests(dash)).toEqual([]);
  });
});
