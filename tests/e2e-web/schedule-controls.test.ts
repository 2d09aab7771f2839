import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Schedule } from '../../protocol/index.js';
import { foreignRequests, useDashboard, type Dashboard } from '../helpers/browser.js';
import { waitFor, type TestHome } from '../helpers/daemon.js';
import { shootBothThemes, SIZES, widthOf } from './round2-screens.js';

/** Schedules' Pause/Resume, Run now and Edit from the page, skipped firings and a cron that never fires. */
describe('dashboard in a browser: schedule controls', () => {
  let home: TestHome;
  let dash: Dashboard;
  let nightly: string;
  let busy: string;

  const scheduleOf = async (id: string): Promise<Schedule> => (await home.json<{ schedules: Schedule[] }>(['schedule', 'list'])).schedules.find((s) => s.id === id)!;
  const status = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });
  const row = (page: Page, id: string) => page.locator(`tr[data-schedule-id="${id}"]`);

  useDashboard(2, async (t) => {
    ({ home, dash } = t);
    nightly = (await home.ok(['schedule', 'add', '0 3 * * *', 'echo from-run-now', '--cwd', '/tmp', '--name', 'nightly-report', '--timeout', '90s'])).trim();
    // Every second, each job sleeping 30 s: with overlap skip the slots after the first are skipped.
    busy = (await home.ok(['schedule', 'add', '* * * * * *', 'sleep 30', '--cwd', '/tmp', '--name', 'slow-poller'])).trim();
    await waitFor(async () => ((await scheduleOf(busy)).skipped >= 2 ? true : undefined), 15_000, 'two skipped slots');
    await dash.page.getByRole('link', { name: 'Schedules' }).click();
  });

  it('shows the slots overlap skipped, with the last one', async () => {
    const { page } = dash;
    const skipped = row(page, busy).getByTestId('skipped');
    await skipped.waitFor();
    expect(await skipped.textContent()).toMatch(/^\s*\d+ skipped, last (just now|in a moment|\S+ ago)\s*$/); // the page's clock ticks once a second
  });

  it('Pause stops a schedule (badge, no next run) and Resume lets it fire again, as schedule list says', async () => {
    const { page } = dash;
    await page.getByRole('button', { name: `Pause schedule ${busy}` }).click();
    await status(page, `Paused schedule ${busy}`).waitFor();
    await row(page, busy).getByText('Paused', { exact: true }).waitFor();
    const paused = await scheduleOf(busy);
    expect(paused.paused_at).not.toBeNull();
    expect(paused.next_at).toBeNull();
    await page.getByRole('button', { name: `Pause schedule ${nightly}` }).click();
    await status(page, `Paused schedule ${nightly}`).waitFor();

    for (const size of [SIZES.wide, SIZES.narrow]) {
      await page.setViewportSize(size);
      await row(page, busy).waitFor();
      await shootBothThemes(page, 'schedules-controls');
    }
    // At 800 px the command keeps a real width beside the four buttons.
    const commandCell = row(page, busy).locator('td').nth(2);
    expect(await widthOf(commandCell)).toBeGreaterThanOrEqual(250);
    await page.setViewportSize(SIZES.wide);

    await page.getByRole('button', { name: `Resume schedule ${busy}` }).click();
    await status(page, `Resumed schedule ${busy}`).waitFor();
    await row(page, busy).getByText('Paused', { exact: true }).waitFor({ state: 'detached' });
    const resumed = await scheduleOf(busy);
    expect(resumed.paused_at).toBeNull();
    expect(Date.parse(resumed.next_at!)).toBeGreaterThan(Date.parse(paused.paused_at!));
    await home.ok(['schedule', 'pause', busy]); // no more skips while the rest runs
  });

  it('Run now enqueues one job from the schedule (paused or not) and says which; its next run stays', async () => {
    const { page } = dash;
    const before = await scheduleOf(nightly);
    await page.getByRole('button', { name: `Run schedule ${nightly} now` }).click();
    const note = status(page, `from schedule ${nightly}`);
    await note.waitFor();
    const jobId = /Enqueued job (\S+) from/.exec((await note.textContent())!)![1]!;
    expect(await home.ok(['wait', jobId])).toBeDefined();
    const job = await home.show(jobId);
    expect(job).toMatchObject({ schedule_id: nightly, command: 'echo from-run-now', cwd: '/tmp', name: 'nightly-report', state: 'completed' });
    expect(await scheduleOf(nightly)).toMatchObject({ next_at: before.next_at, paused_at: before.paused_at, last_job_id: jobId });
    await note.getByRole('link', { name: `Open job ${jobId}` }).click();
    await page.waitForURL(new RegExp(`#/jobs/${jobId}$`));
    await page.goBack();
    await row(page, nightly).waitFor();
  });

  it('Edit fills the form with the schedule; a cron that never fires is said so and refused; Save changes it', async () => {
    const { page } = dash;
    await page.getByRole('button', { name: `Edit schedule ${nightly}` }).click();
    const f = page.getByRole('form', { name: `Edit schedule ${nightly}` });
    await f.waitFor();
    expect(await f.getByLabel('When (cron)').inputValue()).toBe('0 3 * * *');
    expect(await f.getByLabel('Command').inputValue()).toBe('echo from-run-now');
    expect(await f.getByLabel('Working directory').inputValue()).toBe('/tmp');
    expect(await f.getByLabel('Name').inputValue()).toBe('nightly-report');
    expect(await f.getByLabel('Timeout').inputValue()).toBe('1m30s');
    expect(await row(page, nightly).getAttribute('aria-current')).toBe('true');

    await f.getByLabel('When (cron)').fill('0 0 30 2 *');
    await f.getByText(/^Never fires/).waitFor();
    for (const size of [SIZES.wide, SIZES.narrow]) {
      await page.setViewportSize(size);
      await f.scrollIntoViewIfNeeded();
      await shootBothThemes(page, 'schedules-edit');
    }
    await page.setViewportSize(SIZES.wide);
    await f.getByRole('button', { name: 'Save changes' }).click();
    await f.getByRole('alert').filter({ hasText: 'never fires' }).waitFor();
    expect((await scheduleOf(nightly)).cron).toBe('0 3 * * *');

    await f.getByLabel('When (cron)').fill('15 4 * * *');
    await f.getByLabel('Command').fill('echo edited');
    await f.getByLabel('Timeout').fill('');
    await f.getByRole('button', { name: 'Save changes' }).click();
    await status(page, `Saved schedule ${nightly}`).waitFor();
    const edited = await scheduleOf(nightly);
    expect(edited).toMatchObject({ cron: '15 4 * * *', command: 'echo edited', cwd: '/tmp', name: 'nightly-report', timeout_ms: null, next_at: null });
    await row(page, nightly).getByText('echo edited').waitFor();
    // The form adds again.
    const add = page.getByRole('form', { name: 'Add a schedule' });
    await add.waitFor();
    expect(await add.getByLabel('Command').inputValue()).toBe('');

    // Cancel gives an edit up without a change.
    await page.getByRole('button', { name: `Edit schedule ${busy}` }).click();
    const other = page.getByRole('form', { name: `Edit schedule ${busy}` });
    await other.getByLabel('Command').fill('echo not saved');
    await other.getByRole('button', { name: 'Cancel' }).click();
    await add.waitFor();
    expect((await scheduleOf(busy)).command).toBe('sleep 30');
  });

  it('the page made no request to anything but its own 127.0.0.1 origin', () => {
    expect(foreignRequests(dash)).toEqual([]);
  });
});
