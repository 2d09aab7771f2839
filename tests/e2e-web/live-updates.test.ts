import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foreignRequests, launchBrowser, openDashboard, screenshot, type Dashboard } from '../helpers/browser.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

/** The dashboard in Debian's Chromium against a real headless daemon in web mode. */
describe('dashboard in a browser: live updates', () => {
  let home: TestHome;
  let browser: Browser;
  let dash: Dashboard;
  let loads = 0;

  beforeAll(async () => {
    home = new TestHome();
    await home.start(2);
    browser = await launchBrowser();
    dash = await openDashboard(browser, home);
    dash.page.on('load', () => loads++);
  });
  afterAll(async () => {
    await browser?.close();
    await home?.dispose();
  });

  it('a job enqueued from the CLI appears on the jobs screen without a reload and reaches completed', async () => {
    const { page } = dash;
    await page.getByRole('link', { name: 'Jobs' }).click();
    const id = await home.ok(['enqueue', 'sleep 1.5; echo live-output', '--name', 'live-one']);
    const row = page.locator(`tr[data-job-id="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('live-one');
    await row.getByText('completed').waitFor({ timeout: 15_000 });
    expect(loads).toBe(0);
    await screenshot(page, 'jobs');
  });

  it('the job detail shows the fields, the attempt history and the log, following it while the job runs', async () => {
    const { page } = dash;
    const id = await home.ok(['enqueue', 'echo first-line; sleep 1.5; echo second-line', '--name', 'followed']);
    await page.goto(`${dash.home}#/jobs/${id}`);
    const log = page.getByLabel('Log');
    await log.getByText('first-line').waitFor({ timeout: 10_000 });
    expect(await log.textContent()).not.toContain('second-line');
    await log.getByText('second-line').waitFor({ timeout: 10_000 });
    const attempts = page.getByRole('table', { name: 'Attempts' });
    await attempts.getByText('completed').waitFor({ timeout: 10_000 });
    const body = await page.locator('body').textContent();
    expect(body).toContain(id);
    expect(body).toContain('followed');
    expect(body).toContain('echo first-line; sleep 1.5; echo second-line');
    await screenshot(page, 'job-detail');
  });

  it('the overview counts jobs per state, shows the workers and the most recent failures', async () => {
    const { page } = dash;
    const busy = await home.ok(['enqueue', 'sleep 30', '--name', 'long-runner']);
    const failing = await home.ok(['enqueue', 'echo broken >&2; exit 7', '--retries', '0', '--name', 'fails-at-once']);
    await home.until(failing, 'dead');
    await home.until(busy, 'processing');
    await page.getByRole('link', { name: 'Overview' }).click();
    const main = page.locator('main');
    await main.getByText('long-runner').first().waitFor({ timeout: 10_000 });
    await main.getByText('fails-at-once').first().waitFor({ timeout: 10_000 });
    await main.locator('svg:visible').first().waitFor();
    await screenshot(page, 'overview');
    await page.emulateMedia({ colorScheme: 'dark' });
    // Colours change with a 120 ms transition: let it end before the picture.
    await page.waitForTimeout(400);
    await screenshot(page, 'overview-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await home.ok(['cancel', busy]);
    expect(loads).toBe(0);
  });

  it('a job enqueued from the window runs and shows its id', async () => {
    const { page } = dash;
    await page.getByRole('link', { name: 'Enqueue' }).click();
    await page.getByLabel('Command').fill('echo from-the-window');
    await page.getByLabel('Working directory').fill(home.home);
    await page.getByLabel('Name').fill('window-job');
    await screenshot(page, 'enqueue');
    await page.getByRole('button', { name: 'Enqueue' }).click();
    const jobs = await waitFor(async () => {
      const listed = await home.json<Array<{ id: string; name: string | null }>>(['list']);
      return listed.find((j) => j.name === 'window-job');
    }, 10_000, 'the job enqueued from the window');
    await page.getByText(jobs.id).first().waitFor();
    await home.until(jobs.id, 'completed');
  });

  it('Pause all in the window holds new jobs; a resume from the CLI shows in the window at once', async () => {
    const { page } = dash;
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('button', { name: 'Pause all', exact: true }).click();
    // It asks first; keeping things running changes nothing.
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Keep running' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await home.json<{ paused: boolean }>(['status'])).paused).toBe(false);
    await page.getByRole('button', { name: 'Pause all', exact: true }).click();
    await dialog.getByRole('button', { name: 'Pause all queues' }).click();
    await page.getByRole('button', { name: 'Resume all', exact: true }).waitFor();
    expect((await home.json<{ paused: boolean }>(['status'])).paused).toBe(true);
    const held = await home.ok(['enqueue', 'true']);
    await new Promise((r) => setTimeout(r, 700));
    expect((await home.show(held)).state).toBe('pending');
    await screenshot(page, 'overview-paused');
    await home.ok(['resume']);
    await page.getByRole('button', { name: 'Pause all', exact: true }).waitFor({ timeout: 5000 });
    await home.until(held, 'completed');
    expect(loads).toBe(0);
  });

  it('the page made no request to anything but its own 127.0.0.1 origin', () => {
    expect(dash.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(dash.requests.length).toBeGreaterThan(0);
    expect(foreignRequests(dash)).toEqual([]);
  });
});
