import { describe, expect, it } from 'vitest';
import { foreignRequests, useDashboard, type Dashboard } from '../helpers/browser.js';
import { waitFor, type TestHome } from '../helpers/daemon.js';
import { SIZES, shootBothThemes } from './round2-screens.js';

/** Delayed and waiting jobs look like what they are, a Scheduled filter finds them, and Run now starts one. */
describe('dashboard in a browser: delayed and waiting jobs', () => {
  let home: TestHome;
  let dash: Dashboard;
  let delayed: string;
  let ready: string;
  let parent: string;
  let child: string;

  useDashboard(1, async (t) => {
    ({ home, dash } = t);
    delayed = await home.ok(['enqueue', 'echo ran-by-hand', '--delay', '20h', '--name', 'nightly-report']);
    parent = await home.ok(['enqueue', 'echo parent', '--delay', '2h']);
    child = await home.ok(['enqueue', 'echo child', '--after', parent]);
    ready = await home.ok(['enqueue', 'echo ready-now']);
    await home.until(ready, 'completed');
  });

  it('a job due in 20 hours reads "runs in 19h 59m", a job waiting for a parent "waiting on 1 job"', async () => {
    const { page } = dash;
    await page.goto(`${dash.home}#/jobs`);
    const delayedRow = page.locator(`tr[data-job-id="${delayed}"]`);
    await delayedRow.waitFor({ timeout: 10_000 });
    expect(await delayedRow.textContent()).toMatch(/runs in 19h 59m|runs in 20h 0m/);
    expect(await page.locator(`tr[data-job-id="${child}"]`).textContent()).toContain('waiting on 1 job');
  });

  it('the Scheduled filter lists the jobs not due yet, with their run time, and not the others', async () => {
    const { page } = dash;
    await page.getByLabel('State').selectOption('scheduled');
    await waitFor(async () => (await page.locator('tr[data-job-id]').count()) === 2, 10_000, 'the two delayed jobs');
    const ids = await page.locator('tr[data-job-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job-id')));
    expect(ids.sort()).toEqual([delayed, parent].sort());
    expect(await page.getByRole('table', { name: 'Jobs' }).locator('thead').textContent()).toContain('Run at');
    expect(page.url()).toContain('state=scheduled');
    for (const size of [SIZES.wide, SIZES.narrow]) {
      await page.setViewportSize(size);
      await shootBothThemes(page, 'jobs-scheduled');
    }
    await page.setViewportSize(SIZES.wide);
  });

  it('Run now on the job page starts a delayed job at once', async () => {
    const { page } = dash;
    await page.goto(`${dash.home}#/jobs/${delayed}`);
    const runNow = page.getByRole('button', { name: 'Run now' });
    await runNow.waitFor({ timeout: 10_000 });
    await shootBothThemes(page, 'job-delayed');
    await runNow.click();
    await page.getByText('Due now').waitFor({ timeout: 10_000 });
    const job = await home.until(delayed, 'completed', 10_000);
    expect(Date.parse(job.started_at!) - Date.now()).toBeLessThan(60_000);
    await runNow.waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('Retry on a job page says what it did', async () => {
    const { page } = dash;
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    await page.getByText('Pending again').waitFor({ timeout: 10_000 });
    await waitFor(async () => (await home.show(delayed)).attempt_history.length === 2, 10_000, 'the second run');
  });

  it('the page made no request to anything but its own 127.0.0.1 origin', () => {
    expect(foreignRequests(dash)).toEqual([]);
  });
});
