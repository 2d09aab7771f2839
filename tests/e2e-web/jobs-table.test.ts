import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foreignRequests, launchBrowser, openDashboard, screenshot, type Dashboard } from '../helpers/browser.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

const JOBS = 10_000;

/** The jobs table pages, searches and filters on the server, with 10,000 jobs in the store. */
describe('dashboard in a browser: jobs table with 10,000 jobs', () => {
  let home: TestHome;
  let browser: Browser;
  let dash: Dashboard;
  let blocker: string;

  const rows = (page: Page) => page.locator('tr[data-job-id]');
  /** Waits until the table shows exactly `n` job rows. */
  const rowsBecome = (page: Page, n: number) => waitFor(async () => (await rows(page).count()) === n, 10_000, `${n} rows`);
  /** Waits until the pager says `text` (digits only, e.g. "1–50of5000"): the table then shows the new answer. */
  const pagerBecomes = (page: Page, text: string) => waitFor(async () => (await pager(page)) === text, 10_000, `the pager to say ${text}`);
  /** The "51–100 of 10,001" line, with thousands separators removed. */
  const pager = async (page: Page): Promise<string> => {
    const text = await page.locator('body').textContent();
    return (text?.match(/\d[\d,.\u202f\u00a0 ]*[–-]\s*\d[\d,.\u202f\u00a0 ]*of\s*\d[\d,.\u202f\u00a0 ]*/)?.[0] ?? '').replace(/[,.\u202f\u00a0 ]/g, '');
  };

  beforeAll(async () => {
    home = new TestHome();
    await home.start(1);
    // One worker, kept busy: the 10,000 jobs stay pending while the table is exercised.
    blocker = await home.ok(['enqueue', 'sleep 300', '--priority', '100', '--name', 'the-blocker']);
    await home.until(blocker, 'processing');
    const lines = Array.from({ length: JOBS }, (_, i) => (i % 2 === 0 ? `echo alpha-${i}` : `echo beta-${i}`));
    await home.ok(['enqueue', '--stdin'], { input: lines.join('\n') + '\n' });
    browser = await launchBrowser();
    dash = await openDashboard(browser, home);
    await dash.page.getByRole('link', { name: 'Jobs' }).click();
  });
  afterAll(async () => {
    await browser?.close();
    await home?.dispose();
  });

  it('shows one page of 50 and pages through the rest on the server', async () => {
    const { page } = dash;
    await page.getByText('echo beta-9999').waitFor({ timeout: 10_000 });
    expect(await rows(page).count()).toBe(50);
    expect(await pager(page)).toBe(`1–50of${JOBS + 1}`);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('echo beta-9949').waitFor();
    expect(await rows(page).count()).toBe(50);
    expect(await pager(page)).toBe(`51–100of${JOBS + 1}`);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByText('echo beta-9999').waitFor();
    await screenshot(page, 'jobs-10000');
  });

  it('search narrows the table to matching commands', async () => {
    const { page } = dash;
    await page.getByLabel('Search').fill('beta-4243');
    await rowsBecome(page, 1);
    expect(await rows(page).first().textContent()).toContain('echo beta-4243');
    await page.getByLabel('Search').fill('alpha-');
    await pagerBecomes(page, `1–50of${JOBS / 2}`);
    expect(await rows(page).count()).toBe(50);
    for (const text of await rows(page).allTextContents()) expect(text).toContain('alpha-');
    await page.getByLabel('Search').fill('');
  });

  it('the state filter narrows the table, and combines with search', async () => {
    const { page } = dash;
    await page.getByLabel('State').selectOption('processing');
    await rowsBecome(page, 1);
    expect(await rows(page).first().getAttribute('data-job-id')).toBe(blocker);
    await page.getByLabel('State').selectOption('pending');
    await page.getByLabel('Search').fill('beta-');
    await pagerBecomes(page, `1–50of${JOBS / 2}`);
    expect(await rows(page).count()).toBe(50);
    for (const text of await rows(page).allTextContents()) expect(text).toContain('beta-');
    await page.getByLabel('Search').fill('no-such-command-anywhere');
    await rowsBecome(page, 0);
    await screenshot(page, 'jobs-empty-search');
    await page.getByLabel('Search').fill('');
    await page.getByLabel('State').selectOption({ label: 'All states' });
    await pagerBecomes(page, `1–50of${JOBS + 1}`);
  });

  it('sorting by a column asks the server: by priority, the one high-priority job leads', async () => {
    const { page } = dash;
    const header = page.locator('th').filter({ has: page.getByRole('button', { name: 'Priority', exact: true }) });
    const sortButton = page.getByRole('button', { name: 'Priority', exact: true });
    const sorted = async (): Promise<string> => `aria-sort=${await header.getAttribute('aria-sort')} url=${page.url()}`;
    await page.waitForURL((url) => !url.hash.includes('q=') && !url.hash.includes('state='));
    await sortButton.click();
    await waitFor(async () => ['ascending', 'descending'].includes((await header.getAttribute('aria-sort')) ?? ''), 15_000, 'the column to be sorted').catch(async (err: Error) => {
      throw new Error(`${err.message} (${await sorted()})`);
    });
    if ((await header.getAttribute('aria-sort')) === 'ascending') await sortButton.click();
    await waitFor(async () => (await header.getAttribute('aria-sort')) === 'descending', 15_000, 'a descending sort');
    await waitFor(async () => (await rows(page).first().getAttribute('data-job-id')) === blocker, 10_000, 'the blocker on top');
    await sortButton.click();
    await waitFor(async () => (await rows(page).first().getAttribute('data-job-id')) !== blocker, 10_000, 'the blocker to leave the top');
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    await page.getByRole('button', { name: 'Created' }).click();
  });

  it('a sort clicked just before a search is written survives it (no write builds on the route before the click)', async () => {
    const { page } = dash;
    await page.waitForURL((url) => url.hash === '#/jobs');
    // One task, so the browser's hashchange for the click cannot come in between: a click on Priority pushes the
    // sort, then the search box writes its text in place (Enter here; its debounce timer fires the same way).
    await page.evaluate(`(() => {
      const search = document.querySelector('input[type="search"]');
      search.value = 'alpha-';
      search.dispatchEvent(new Event('input', { bubbles: true }));
      [...document.querySelectorAll('th button')].find((b) => b.textContent.trim() === 'Priority').click();
      search.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    })()`);
    await pagerBecomes(page, `1–50of${JOBS / 2}`);
    expect(new URL(page.url()).hash).toBe('#/jobs?q=alpha-&sort=priority');
    const header = page.locator('th').filter({ has: page.getByRole('button', { name: 'Priority', exact: true }) });
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('button', { name: 'Created' }).click();
    await page.waitForURL((url) => url.hash === '#/jobs');
  });

  it('the filters live in the URL, so a reload shows the same page', async () => {
    const { page } = dash;
    await page.getByLabel('Search').fill('alpha-12');
    await page.waitForURL(/alpha-12/);
    await page.reload();
    await rows(page).first().waitFor();
    for (const text of await rows(page).allTextContents()) expect(text).toContain('alpha-12');
    expect(await page.getByLabel('Search').inputValue()).toBe('alpha-12');
  });

  it('the page made no request to anything but its own 127.0.0.1 origin', () => {
    expect(foreignRequests(dash)).toEqual([]);
  });
});
