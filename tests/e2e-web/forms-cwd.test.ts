import { describe, expect, it } from 'vitest';
import { foreignRequests, useDashboard, type Dashboard } from '../helpers/browser.js';
import { waitFor, type TestHome } from '../helpers/daemon.js';
import { SIZES, shootBothThemes } from './round2-screens.js';

/** The Enqueue form asks where the job runs (never silently the daemon's directory) and remembers the answer. */
describe('dashboard in a browser: working directory in the forms', () => {
  let home: TestHome;
  let dash: Dashboard;

  useDashboard(1, (t) => ({ home, dash } = t));

  it('without a working directory the form says what to enter and stores nothing', async () => {
    const { page } = dash;
    await page.goto(`${dash.home}#/enqueue`);
    await page.getByLabel('Command').fill('pwd');
    expect(await page.getByLabel('Working directory').inputValue()).toBe('');
    await page.getByRole('button', { name: 'Enqueue' }).click();
    await page.getByRole('alert').filter({ hasText: 'directory the command runs in' }).waitFor();
    expect(await home.json<unknown[]>(['list'])).toEqual([]);
    for (const size of [SIZES.wide, SIZES.narrow]) {
      await page.setViewportSize(size);
      await shootBothThemes(page, 'enqueue-cwd-missing');
    }
    await page.setViewportSize(SIZES.wide);
  });

  it('a job enqueued with a working directory runs there, and the form remembers it', async () => {
    const { page } = dash;
    await page.getByLabel('Working directory').fill(home.home);
    await page.getByRole('button', { name: 'Enqueue' }).click();
    const notice = page.getByRole('status').filter({ hasText: 'Enqueued' });
    await notice.waitFor();
    const id = (await notice.locator('a').textContent())!;
    const job = await home.until(id, 'completed');
    expect(job.cwd).toBe(home.home);
    expect(await home.ok(['logs', id])).toContain(home.home);
    await page.reload();
    await page.getByLabel('Working directory').waitFor();
    await waitFor(async () => (await page.getByLabel('Working directory').inputValue()) === home.home, 5000, 'the remembered directory');
    // Add schedule starts from it too.
    await page.goto(`${dash.home}#/schedules`);
    expect(await page.getByRole('form', { name: 'Add a schedule' }).getByLabel('Working directory').inputValue()).toBe(home.home);
  });

  it('the page made no request to anything but its own 127.0.0.1 origin', () => {
    expect(foreignRequests(dash)).toEqual([]);
  });
});
