import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { foreignRequests, screenshot, useDashboard, type Dashboard } from '../helpers/browser.js';
import { waitFor, type TestHome } from '../helpers/daemon.js';

/** The dead-letter queue screen against a real daemon: retry one, retry all, purge with confirmation. */
describe('dashboard in a browser: dead-letter queue', () => {
  let home: TestHome;
  let dash: Dashboard;

  /** Fails on its first run (marker file absent) and succeeds on any later one. */
  const failsOnce = (marker: string): string => `test -f ${join(home.home, marker)} || { touch ${join(home.home, marker)}; echo first-run-fails >&2; exit 3; }`;
  const deadIds = async (): Promise<string[]> => (await home.json<Array<{ id: string }>>(['dlq', 'list'])).map((j) => j.id);

  useDashboard(2, (t) => ({ home, dash } = t));

  it('a failing job appears in the DLQ with its last error; Retry runs it again, which the attempt history shows', async () => {
    const { page } = dash;
    await page.getByRole('link', { name: /Dead letters/ }).click();
    const id = await home.ok(['enqueue', failsOnce('m-one'), '--retries', '0', '--name', 'retry-me']);
    const row = page.locator(`tr[data-job-id="${id}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.textContent()).toContain('exit');
    await screenshot(page, 'dlq');
    await row.getByRole('button', { name: 'Retry' }).click();
    const job = await home.until(id, 'completed');
    expect(job.attempt_history.map((a) => a.outcome)).toEqual(['failed', 'completed']);
    await row.waitFor({ state: 'detached', timeout: 10_000 });

    await page.goto(`${dash.home}#/jobs/${id}`);
    const attempts = page.getByRole('table', { name: 'Attempts' });
    await attempts.getByText('completed').waitFor({ timeout: 10_000 });
    expect(await attempts.locator('tbody tr').count()).toBe(2);
    expect(await attempts.textContent()).toContain('failed');
  });

  it('Retry all empties the DLQ', async () => {
    const { page } = dash;
    const ids = await Promise.all(['m-a', 'm-b', 'm-c'].map((m) => home.ok(['enqueue', failsOnce(m), '--retries', '0'])));
    for (const id of ids) await home.until(id, 'dead');
    await page.getByRole('link', { name: /Dead letters/ }).click();
    for (const id of ids) await page.locator(`tr[data-job-id="${id}"]`).waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Retry all' }).click();
    // It asks first, naming the count; "Not now" changes nothing.
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('all 3 dead jobs');
    await dialog.getByRole('button', { name: 'Not now' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await deadIds()).sort()).toEqual([...ids].sort());
    await page.getByRole('button', { name: 'Retry all' }).click();
    await dialog.getByRole('button', { name: 'Retry 3 jobs' }).click();
    for (const id of ids) await home.until(id, 'completed');
    await page.getByText('The dead-letter queue is empty').waitFor({ timeout: 10_000 });
    expect(await deadIds()).toEqual([]);
    await screenshot(page, 'dlq-empty');
  });

  it('Retry selected and Delete selected act on the checked jobs only', async () => {
    const { page } = dash;
    const [keep, retry, remove] = await Promise.all(['k', 'r', 'd'].map((n) => home.ok(['enqueue', `exit 4 # ${n}`, '--retries', '0'])));
    for (const id of [keep!, retry!, remove!]) await home.until(id, 'dead');
    await page.locator(`tr[data-job-id="${remove}"]`).waitFor({ timeout: 10_000 });
    await page.getByLabel(`Select ${remove}`).check();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Delete 1 job', exact: true }).click();
    await waitFor(async () => !(await deadIds()).includes(remove!), 10_000, 'the deleted job to leave the DLQ');
    expect((await home.cli(['show', remove!])).code).toBe(1);

    await page.getByLabel(`Select ${retry}`).check();
    await page.getByRole('button', { name: 'Retry selected' }).click();
    await dialog.getByRole('button', { name: 'Retry 1 job', exact: true }).click();
    await waitFor(async () => (await home.show(retry!)).attempt_history.length === 2, 10_000, 'the selected job to run again');
    expect((await home.show(keep!)).attempt_history).toHaveLength(1);
    expect((await home.show(keep!)).state).toBe('dead');
  });

  it('Purge asks for confirmation: keeping changes nothing, confirming deletes every dead job', async () => {
    const { page } = dash;
    await home.ok(['enqueue', 'exit 5', '--retries', '0']);
    await waitFor(async () => (await deadIds()).length >= 2, 10_000, 'two dead jobs');
    const before = await deadIds();
    await page.reload();
    await page.locator(`tr[data-job-id="${before[0]}"]`).waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Purge' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(`Delete all ${before.length} dead jobs`);
    await screenshot(page, 'dlq-purge-confirm');
    await dialog.getByRole('button', { name: 'Keep them' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await deadIds()).toEqual(before);

    await page.getByRole('button', { name: 'Purge' }).click();
    await dialog.getByRole('button', { name: `Purge ${before.length} jobs` }).click();
    await page.getByText('The dead-letter queue is empty').waitFor({ timeout: 10_000 });
    expect(await deadIds()).toEqual([]);
    for (const id of before) expect((await home.cli(['show', id])).code).toBe(1);
  });

  it('the page made no request to anything but its own 127.0.0.1 origin', () => {
    expect(foreignRequests(dash)).toEqual([]);
  });
});
