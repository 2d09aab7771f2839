import { describe, expect, it } from 'vitest';
import { useDashboard, type Dashboard } from '../helpers/browser.js';
import { waitFor, type TestHome } from '../helpers/daemon.js';
import { shootBothThemes } from './round2-screens.js';

/** Keyboard and state basics: a skip link, "/" to search, a tab title per screen, stale data marked when disconnected. */
describe('dashboard in a browser: navigation and stale state', () => {
  let home: TestHome;
  let dash: Dashboard;
  let id: string;

  useDashboard(1, async (t) => {
    ({ home, dash } = t);
    id = await home.ok(['enqueue', 'exit 2', '--retries', '0']);
    await home.until(id, 'dead');
  });

  it('the tab title names the screen (and the dead count)', async () => {
    const { page } = dash;
    await page.goto(`${dash.home}#/jobs`);
    await waitFor(async () => (await page.title()) === 'Jobs (1 dead) · queuectl', 5000, 'the Jobs title');
    await page.goto(`${dash.home}#/jobs/${id}`);
    await waitFor(async () => (await page.title()).startsWith(`Job ${id}`), 5000, 'the job title');
    await page.goto(`${dash.home}#/schedules`);
    await waitFor(async () => (await page.title()).startsWith('Schedules'), 5000, 'the Schedules title');
  });

  it('"/" puts the cursor in the search box; the skip link jumps past the navigation', async () => {
    const { page } = dash;
    await page.goto(`${dash.home}#/jobs`);
    await page.locator('tr[data-job-id]').first().waitFor();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    expect(await page.locator('input:focus').getAttribute('aria-label')).toBe('Search');
    await page.reload();
    await page.locator('tr[data-job-id]').first().waitFor();
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    expect(await skip.evaluate((el) => el.matches(':focus'))).toBe(true);
    await page.keyboard.press('Enter');
    expect(await page.locator('main h1:focus').count()).toBe(1);
  });

  it('after a disconnect the data is marked stale and the uptime stops', async () => {
    const { page } = dash;
    await page.goto(`${dash.home}#/`);
    await page.getByText(/Daemon .*, up /).waitFor();
    await home.stop();
    await page.getByText('Disconnected').first().waitFor({ timeout: 15_000 });
    const line = page.getByText(/not connected: figures as of/);
    await line.waitFor();
    const before = await line.textContent();
    await page.waitForTimeout(2100);
    expect(await line.textContent()).toBe(before);
    await shootBothThemes(page, 'overview-disconnected');
  });
});
