import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { foreignRequests, useDashboard, type Dashboard } from '../helpers/browser.js';
import { waitFor, type TestHome } from '../helpers/daemon.js';
import { SIZES, shootBothThemes } from './round2-screens.js';

/**
 * Bulk actions on a filtered set: select all jobs matching a filter in Jobs and act on them with one
 * confirmation naming the count; in Dead letters retry every dead job of one queue in at most 3 clicks
 * while the other queues' dead jobs stay dead.
 */
describe('dashboard in a browser: bulk actions on a filtered set', () => {
  let home: TestHome;
  let dash: Dashboard;
  /** More than one page (50) of dead jobs in gpu, and two in cpu. */
  const GPU = 60;
  let gpu: string[];
  let cpu: string[];

  const deadIn = async (queue: string): Promise<number> => (await home.json<Job[]>(['list', '--state', 'dead', '--queue', queue, '--limit', '1000'])).length;
  const dead = async (queue: string, count: number): Promise<string[]> => {
    const lines = Array.from({ length: count }, (_, i) => JSON.stringify({ command: `echo ${queue} job ${i} out of memory >&2; exit 3`, queue, max_retries: 0 }));
    const ids = (await home.ok(['enqueue', '--stdin'], { input: lines.join('\n') + '\n' })).split('\n').filter(Boolean);
    await waitFor(async () => (await deadIn(queue)) === count, 60_000, `${count} dead jobs in ${queue}`);
    return ids;
  };
  const runsOf = async (ids: string[]): Promise<number[]> => Promise.all(ids.map(async (id) => (await home.show(id)).attempt_history.length));
  /** How many of a queue's jobs are dead having died at or after `since` (one list call, not one per job). */
  const diedSince = async (queue: string, since: number): Promise<number> =>
    (await home.json<Job[]>(['list', '--state', 'dead', '--queue', queue, '--limit', '1000'])).filter((j) => Date.parse(j.finished_at ?? '') >= since).length;
  const dialog = (page: Page) => page.getByRole('dialog');

  useDashboard(2, async (t) => {
    ({ home, dash } = t);
    gpu = await dead('gpu', GPU);
    cpu = await dead('cpu', 2);
  });

  it('Jobs: filtered to gpu + dead, "select all 60 matching" and Retry, after a confirmation naming the count', async () => {
    const { page } = dash;
    await page.goto(`${dash.home}#/jobs?state=dead&queue=gpu`);
    await page.locator('tr[data-job-id]').first().waitFor({ timeout: 15_000 });
    await page.getByLabel('Select all on this page').check();
    await page.getByRole('button', { name: `Select all ${GPU} matching` }).click();
    await page.getByText(`All ${GPU} jobs matching are selected`).waitFor();
    // Dead jobs cannot be canceled: that action is off for this filter.
    expect(await page.getByRole('button', { name: 'Cancel selected' }).isDisabled()).toBe(true);
    await shootBothThemes(page, 'jobs-bulk-selected');
    await page.getByRole('button', { name: 'Retry selected' }).click();
    expect(await dialog(page).textContent()).toContain(`${GPU} jobs`);
    await shootBothThemes(page, 'jobs-bulk-confirm');
    const clicked = Date.now() - 1000;
    await dialog(page).getByRole('button', { name: `Retry ${GPU} jobs` }).click();
    await page.getByText(`Retried ${GPU} jobs.`).waitFor({ timeout: 10_000 });
    // Each ran again (and died again); cpu's dead jobs were not touched.
    await waitFor(async () => (await diedSince('gpu', clicked)) === GPU, 30_000, 'every gpu job to run and die again');
    expect(await runsOf([gpu[0]!, gpu[GPU - 1]!])).toEqual([2, 2]);
    expect(await runsOf(cpu)).toEqual([1, 1]);
  });

  it(`Dead letters: every dead job of queue gpu retried in 3 clicks; cpu's stay dead`, async () => {
    const { page } = dash;
    await page.setViewportSize(SIZES.narrow);
    await page.goto(`${dash.home}#/dlq`);
    await page.locator('tr[data-job-id]').first().waitFor({ timeout: 15_000 });
    let clicks = 0;
    await page.getByLabel('Queue').selectOption('gpu');
    clicks++;
    await page.getByRole('button', { name: `Retry these ${GPU}` }).click();
    clicks++;
    expect(await dialog(page).textContent()).toContain(`all ${GPU} dead jobs in queue gpu`);
    await shootBothThemes(page, 'dlq-retry-queue-confirm');
    const clicked = Date.now() - 1000;
    await dialog(page).getByRole('button', { name: `Retry ${GPU} jobs` }).click();
    clicks++;
    expect(clicks).toBeLessThanOrEqual(3);
    await page.getByText(`${GPU} jobs pending again.`).waitFor({ timeout: 10_000 });
    await waitFor(async () => (await diedSince('gpu', clicked)) === GPU, 30_000, 'every gpu job to run and die again');
    expect(await runsOf([gpu[0]!, gpu[GPU - 1]!])).toEqual([3, 3]);
    expect(await runsOf(cpu)).toEqual([1, 1]);
    expect(await deadIn('cpu')).toBe(2);
    await page.setViewportSize(SIZES.wide);
  });

  it('Dead letters: a queue column, a queue filter and sorting', async () => {
    const { page } = dash;
    await page.goto(`${dash.home}#/dlq?queue=cpu`);
    const table = page.getByRole('table', { name: 'Dead jobs' });
    await waitFor(async () => (await table.locator('tbody tr').count()) === 2, 10_000, 'the two cpu dead jobs');
    expect(await table.locator('thead').textContent()).toContain('Queue');
    for (const text of await table.locator('tbody tr').allTextContents()) expect(text).toContain('cpu');
    // The failure summary is the line the run printed to stderr, then how it ended.
    expect(await table.locator('tbody td.error').first().textContent()).toMatch(/cpu job \d out of memory · exited with code 3/);
    await page.getByRole('button', { name: 'Command' }).click();
    await waitFor(async () => (await table.locator('th[aria-sort="ascending"]').count()) === 1, 5000, 'an ascending sort');
    // Enqueue order put job 1 (newer) first; by command, job 0 leads.
    await waitFor(async () => (await table.locator('tbody .command').first().textContent())?.includes('cpu job 0'), 10_000, 'the rows in command order');
    expect(page.url()).toContain('sort=command');
    await shootBothThemes(page, 'dlq-filtered');
  });

  it('the page made no request to anything but its own 127.0.0.1 origin', () => {
    expect(foreignRequests(dash)).toEqual([]);
  });
});
