import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../protocol/index.js';
import { foreignRequests, screenshots, useDashboard, type Dashboard } from '../helpers/browser.js';
import { waitFor, type TestHome } from '../helpers/daemon.js';

/** The Schedules screen: the same schedules `queuectl schedule` adds, lists and removes. */
describe('dashboard in a browser: schedules', () => {
  let home: TestHome;
  let dash: Dashboard;
  let added: Schedule;

  const schedules = async (): Promise<Schedule[]> => (await home.json<{ schedules: Schedule[] }>(['schedule', 'list'])).schedules;
  const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
  const form = (page: Page) => page.getByRole('form', { name: 'Add a schedule' });
  /** The first schedule's fields after its cron expression (every five minutes), by label. */
  const FIVE_MINUTELY = { Command: 'echo from-a-schedule', 'Working directory': '/tmp', Queue: 'nightly', 'Time zone': 'UTC', Name: 'five-minutely', Retries: '2', Priority: '3', Timeout: '1m' };
  async function fill(f: Locator, fields: Record<string, string>): Promise<void> {
    for (const [label, value] of Object.entries(fields)) await f.getByLabel(label).fill(value);
  }

  useDashboard(1, async (t) => {
    ({ home, dash } = t);
    await dash.page.getByRole('link', { name: 'Schedules' }).click();
  });

  it('a schedule added in the window is what schedule list shows, and is listed with its next run', async () => {
    const { page } = dash;
    await page.getByText('No schedules yet.').waitFor();
    await screenshots(page, 'schedules-empty');
    const f = form(page);
    await f.getByLabel('When (cron)').fill('*/5 * * * *');
    await f.getByText(/^Next .*then/).waitFor();
    await fill(f, FIVE_MINUTELY);
    await button(page, 'Add schedule').click();

    added = await waitFor(async () => (await schedules())[0], 10_000, 'the schedule to be stored');
    expect(added).toMatchObject({ cron: '*/5 * * * *', command: 'echo from-a-schedule', cwd: '/tmp', queue: 'nightly', tz: 'UTC', name: 'five-minutely', max_retries: 2, priority: 3, timeout_ms: 60_000 });
    const row = page.locator(`tr[data-schedule-id="${added.id}"]`);
    await row.waitFor();
    const text = (await row.textContent())!;
    for (const part of ['*/5 * * * *', 'UTC', 'five-minutely', 'echo from-a-schedule', 'nightly', '/tmp', 'not yet']) expect(text).toContain(part);
    // The form keeps the working directory for the next schedule.
    expect(await f.getByLabel('Working directory').inputValue()).toBe('/tmp');
    expect(text).toMatch(/in (a moment|\d+s|\d+m)/);
    await page.getByRole('status').filter({ hasText: `Added schedule ${added.id}` }).waitFor();
    expect(await f.getByLabel('Command').inputValue()).toBe('');
    await screenshots(page, 'schedules');
  });

  it('what the daemon refuses shows under its field; bad input stores nothing; an identical schedule is not added twice', async () => {
    const { page } = dash;
    const f = form(page);
    await f.getByLabel('When (cron)').fill('61 * * * *');
    await f.getByLabel('Command').fill('echo never');
    await button(page, 'Add schedule').click();
    const cronAlert = f.getByRole('alert').filter({ hasText: 'invalid cron expression' });
    await cronAlert.waitFor();
    expect(await f.getByLabel('When (cron)').getAttribute('aria-invalid')).toBe('true');
    await screenshots(page, 'schedules-invalid');

    await f.getByLabel('When (cron)').fill('@daily');
    await f.getByLabel('Time zone').fill('Mars/Olympus_Mons');
    await f.getByLabel('Command').fill('   ');
    await button(page, 'Add schedule').click();
    await f.getByRole('alert').filter({ hasText: 'not a time zone' }).waitFor();
    await f.getByRole('alert').filter({ hasText: 'shell command' }).waitFor();
    expect(await schedules()).toHaveLength(1);

    await f.getByLabel('When (cron)').fill('*/5 * * * *');
    await fill(f, FIVE_MINUTELY);
    await button(page, 'Add schedule').click();
    await page.getByRole('status').filter({ hasText: `An identical schedule exists already: ${added.id}` }).waitFor();
    expect(await schedules()).toHaveLength(1);
  });

  it('a schedule that fires shows its last run and links to the job, without a reload; the job links back to it', async () => {
    const { page } = dash;
    const id = await home.ok(['schedule', 'add', '* * * * * *', 'echo tick', '--queue', 'ticks']);
    const row = page.locator(`tr[data-schedule-id="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    const jobLink = row.locator('a[href^="#/jobs/"]');
    await jobLink.waitFor({ timeout: 10_000 });
    const jobId = (await jobLink.textContent())!;
    expect((await home.show(jobId)).schedule_id).toBe(id);

    // It fires every second, so the link may point at a newer job by the time it is clicked: any of its jobs.
    await jobLink.click();
    await page.waitForURL(/#\/jobs\/[^/?]+$/);
    const opened = decodeURIComponent(new URL(page.url()).hash.slice('#/jobs/'.length));
    expect((await home.show(opened)).schedule_id).toBe(id);
    await page.getByRole('link', { name: id, exact: true }).click();
    await page.waitForURL(/#\/schedules\?id=/);
    await page.locator(`tr[aria-current="true"][data-schedule-id="${id}"]`).waitFor();

    await home.ok(['schedule', 'remove', id]);
    await page.reload();
    await page.getByText(`Schedule ${id} no longer exists`).waitFor();
    expect(await page.locator('tr[aria-current="true"]').count()).toBe(0);
  });

  it('Remove asks first: keeping changes nothing, confirming removes the schedule', async () => {
    const { page } = dash;
    await page.goto(`${dash.home}#/schedules`);
    const removeButton = page.getByRole('button', { name: `Remove schedule ${added.id}` });
    await removeButton.click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('echo from-a-schedule');
    await screenshots(page, 'schedules-remove');
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await schedules()).map((s) => s.id)).toEqual([added.id]);

    await removeButton.click();
    await dialog.getByRole('button', { name: 'Remove schedule' }).click();
    await page.getByRole('status').filter({ hasText: `Removed schedule ${added.id}` }).waitFor();
    expect(await schedules()).toEqual([]);
    await page.getByText('No schedules yet.').waitFor();
  });

  it('the page made no request to anything but its own 127.0.0.1 origin', () => {
    expect(foreignRequests(dash)).toEqual([]);
  });
});
