import { describe, expect, it } from 'vitest';
import { foreignRequests, useDashboard, type Dashboard } from '../helpers/browser.js';
import { waitFor, type TestHome } from '../helpers/daemon.js';
import { SIZES, shootBothThemes } from './round2-screens.js';

/** Jobs' time facts: started, finished and duration (live while running), absolute times, full commands, a date range. */
describe('dashboard in a browser: time facts in Jobs', () => {
  let home: TestHome;
  let dash: Dashboard;
  let running: string;
  let finished: string;
  const LONG = `echo ${'a-very-long-argument-that-explains-the-build '.repeat(6)}`;

  /** The text of job `id`'s cell under the header `column`. */
  const cell = (id: string, column: string) =>
    dash.page.getByRole('table', { name: 'Jobs' }).evaluate(
      (table, [id, column]) => {
        const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent?.trim());
        const row = table.querySelector(`tr[data-job-id="${id}"]`);
        return row?.querySelectorAll('td')[heads.indexOf(column)]?.textContent?.trim() ?? null;
      },
      [id, column] as const,
    );
  const seconds = (text: string | null): number => Number(/^(\d+(?:\.\d+)?)s$/.exec(text ?? '')?.[1] ?? Number.NaN);

  useDashboard(2, async (t) => {
    ({ home, dash } = t);
    finished = await home.ok(['enqueue', `sleep 1.2; ${LONG}`, '--name', 'long-build']);
    running = await home.ok(['enqueue', 'sleep 60']);
    await home.until(finished, 'completed');
    await home.until(running, 'processing');
  });

  it('Processing shows when a run started and its duration, ticking', async () => {
    const { page } = dash;
    await page.goto(`${dash.home}#/jobs?state=processing`);
    await page.locator(`tr[data-job-id="${running}"]`).waitFor({ timeout: 10_000 });
    expect(await page.getByRole('table', { name: 'Jobs' }).locator('thead').textContent()).toMatch(/Started.*Duration/);
    const first = await waitFor(async () => {
      const s = seconds(await cell(running, 'Duration'));
      return Number.isNaN(s) ? undefined : s;
    }, 5000, 'a duration in seconds');
    await waitFor(async () => seconds(await cell(running, 'Duration')) >= first + 1, 5000, 'the duration to tick');
  });

  it('Completed shows when it finished and how long it took; every job shows its duration', async () => {
    const { page } = dash;
    await page.getByLabel('State').selectOption('completed');
    await page.locator(`tr[data-job-id="${finished}"]`).waitFor({ timeout: 10_000 });
    expect(await page.getByRole('table', { name: 'Jobs' }).locator('thead').textContent()).toMatch(/Finished.*Duration/);
    expect(seconds(await cell(finished, 'Duration'))).toBeGreaterThanOrEqual(1.2);
    await page.getByLabel('State').selectOption({ label: 'All states' });
    await page.locator(`tr[data-job-id="${running}"]`).waitFor();
    expect(seconds(await cell(finished, 'Duration'))).toBeGreaterThanOrEqual(1.2);
    expect(seconds(await cell(running, 'Duration'))).toBeGreaterThanOrEqual(1);
  });

  it('absolute times on demand, remembered across a reload', async () => {
    const { page } = dash;
    expect(await cell(finished, 'Created')).toMatch(/ago|just now/);
    await page.getByLabel('Absolute times').check();
    await waitFor(async () => /\d{1,2}:\d{2}/.test((await cell(finished, 'Created')) ?? ''), 5000, 'a clock time');
    await page.reload();
    await page.locator(`tr[data-job-id="${finished}"]`).waitFor();
    expect(await cell(finished, 'Created')).toMatch(/\d{1,2}:\d{2}/);
    await page.getByLabel('Absolute times').uncheck();
  });

  it('the whole command on hover, and in full with "Full commands"', async () => {
    const { page } = dash;
    const command = page.locator(`tr[data-job-id="${finished}"] .command`);
    expect(await command.getAttribute('title')).toBe(`sleep 1.2; ${LONG}`);
    const cut = await command.evaluate((el) => el.scrollWidth > el.clientWidth);
    expect(cut).toBe(true);
    await page.getByLabel('Full commands').check();
    await waitFor(async () => command.evaluate((el) => el.scrollWidth <= el.clientWidth), 5000, 'the command shown in full');
    for (const size of [SIZES.wide, SIZES.narrow]) {
      await page.setViewportSize(size);
      await shootBothThemes(page, 'jobs-full-commands');
    }
    await page.setViewportSize(SIZES.wide);
    await page.getByLabel('Full commands').uncheck();
  });

  it('a date range on created or finished narrows the list', async () => {
    const { page } = dash;
    const rows = page.locator('tr[data-job-id]');
    const today = await page.evaluate(() => new Date().toLocaleDateString('sv'));
    const tomorrow = await page.evaluate(() => new Date(Date.now() + 86_400_000).toLocaleDateString('sv'));
    await page.getByLabel('From').fill(tomorrow);
    await page.getByText('No jobs match these filters.').waitFor({ timeout: 10_000 });
    await page.getByLabel('From').fill(today);
    await page.getByLabel('To').fill(today);
    await waitFor(async () => (await rows.count()) === 2, 10_000, 'both jobs of today');
    await page.getByLabel('Date of').selectOption('finished');
    await waitFor(async () => (await rows.count()) === 1, 10_000, 'only the finished job');
    expect(await rows.first().getAttribute('data-job-id')).toBe(finished);
    expect(page.url()).toMatch(/on=finished/);
    await shootBothThemes(page, 'jobs-date-range');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await waitFor(async () => (await rows.count()) === 2, 10_000, 'both jobs again');
  });

  it('sorts by duration on the server', async () => {
    const { page } = dash;
    await page.getByRole('button', { name: 'Duration' }).click();
    await page.waitForURL(/sort=duration/);
    // Descending: the finished job (1.2 s) before the running one (no duration yet).
    await waitFor(async () => (await page.locator('tr[data-job-id]').first().getAttribute('data-job-id')) === finished, 10_000, 'the longest first');
  });

  it('the page made no request to anything but its own 127.0.0.1 origin', () => {
    expect(foreignRequests(dash)).toEqual([]);
  });
});
