import { describe, expect, it } from 'vitest';
import type { QueueInfo } from '../../protocol/index.js';
import { screenshot, useDashboard, type Dashboard } from '../helpers/browser.js';
import { waitFor, type TestHome } from '../helpers/daemon.js';

/** The Overview's queue row says why a queue paused itself, live from the queue event, linked to the job. */
describe('dashboard in a browser: why a queue is paused', () => {
  let home: TestHome;
  let dash: Dashboard;

  const queue = async (name: string): Promise<QueueInfo | undefined> =>
    (await home.json<{ queues: QueueInfo[] }>(['queue', 'list'])).queues.find((q) => q.name === name);

  useDashboard(1, (t) => ({ home, dash } = t));

  it('a dead job in a pause_on_dead queue shows "job x went dead" in its row at once; a resume clears it; a pause by hand shows none', async () => {
    const { page } = dash;
    await home.ok(['queue', 'set', 'gpu', '--pause-on-dead']);
    const row = page.locator('tr[data-queue="gpu"]');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('[data-paused-reason]').count()).toBe(0);

    const dies = await home.ok(['enqueue', '{"command":"exit 3","queue":"gpu","max_retries":0}']);
    await home.until(dies, 'dead');
    const reason = row.locator('[data-paused-reason]');
    await reason.waitFor({ timeout: 5_000 });
    expect((await reason.textContent())?.replace(/\s+/g, ' ').trim()).toBe(`job ${dies} went dead`);
    expect(await row.locator('.paused').getAttribute('title')).toBe(`Paused: job ${dies} went dead`);
    expect(await reason.getByRole('link', { name: dies }).getAttribute('href')).toBe(`#/jobs/${dies}`);

    // The editor says that saving settings does not resume it.
    await page.getByRole('button', { name: 'Edit gpu', exact: true }).click();
    expect(await page.getByRole('form', { name: 'Settings of queue gpu' }).textContent()).toContain(`Paused now (job ${dies} went dead): saving does not resume it`);
    await screenshot(page, 'overview-queue-paused-reason');
    await page.keyboard.press('Escape');

    // Resume in the window: the reason goes with the pause.
    await page.getByRole('button', { name: 'Resume gpu', exact: true }).click();
    await page.getByRole('button', { name: 'Pause gpu', exact: true }).waitFor({ timeout: 5_000 });
    await reason.waitFor({ state: 'detached', timeout: 5_000 });
    expect((await queue('gpu'))?.paused_reason).toBeNull();

    // Paused by hand from the CLI: Paused, with no reason.
    await home.ok(['pause', '--queue', 'gpu']);
    await page.getByRole('button', { name: 'Resume gpu', exact: true }).waitFor({ timeout: 5_000 });
    expect(await row.locator('[data-paused-reason]').count()).toBe(0);
    expect(await row.locator('.paused').getAttribute('title')).toBe('Paused by hand');
    await home.ok(['resume', '--all']);
    await page.getByRole('button', { name: 'Pause gpu', exact: true }).waitFor({ timeout: 5_000 });
    await waitFor(async () => (await queue('gpu'))?.paused === false, 5_000, 'gpu to be resumed');
  });
});
