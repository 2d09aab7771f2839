import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { QueueInfo } from '../../protocol/index.js';
import { foreignRequests, screenshots, useDashboard, type Dashboard } from '../helpers/browser.js';
import { waitFor, type TestHome } from '../helpers/daemon.js';

/** Named queues and dependencies in the dashboard, against the daemon the CLI drives. */
describe('dashboard in a browser: queues and dependencies', () => {
  let home: TestHome;
  let dash: Dashboard;

  const queues = async (): Promise<QueueInfo[]> => (await home.json<{ queues: QueueInfo[] }>(['queue', 'list'])).queues;
  const queue = async (name: string): Promise<QueueInfo | undefined> => (await queues()).find((q) => q.name === name);
  const rows = (page: Page) => page.locator('tr[data-job-id]');
  const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
  /** Fails on its first run (marker file absent) and succeeds on any later one. */
  const failsOnce = (marker: string): string => `test -f ${join(home.home, marker)} || { touch ${join(home.home, marker)}; exit 3; }`;

  useDashboard(2, (t) => ({ home, dash } = t));

  it('a job enqueued from the CLI with --queue gpu shows its queue in the table, and the queue filter narrows to it', async () => {
    const { page } = dash;
    const plain = await home.ok(['enqueue', 'echo plain-job']);
    const gpu = await home.ok(['enqueue', 'echo gpu-job', '--queue', 'gpu']);
    await home.until(gpu, 'completed');
    await page.getByRole('link', { name: 'Jobs' }).click();
    const gpuRow = page.locator(`tr[data-job-id="${gpu}"]`);
    await gpuRow.waitFor({ timeout: 10_000 });
    await page.getByRole('columnheader', { name: 'Queue' }).waitFor();
    await waitFor(async () => (await gpuRow.textContent())?.includes('gpu-job') && (await gpuRow.locator('td').nth(3).textContent()) === 'gpu', 10_000, 'the gpu row with its queue');
    expect(await page.locator(`tr[data-job-id="${plain}"] td`).nth(3).textContent()).toBe('default');

    await page.getByLabel('Queue', { exact: true }).selectOption('gpu');
    await page.waitForURL(/queue=gpu/);
    await waitFor(async () => (await rows(page).count()) === 1, 10_000, 'one row');
    expect(await rows(page).first().getAttribute('data-job-id')).toBe(gpu);
    expect(await page.locator('main header').textContent()).toContain('in queue gpu');
    await screenshots(page, 'jobs-queue-filter');

    await page.reload();
    await rows(page).first().waitFor();
    expect(await rows(page).count()).toBe(1);
    expect(await page.getByLabel('Queue', { exact: true }).inputValue()).toBe('gpu');
    await button(page, 'Clear filters').click();
    await waitFor(async () => (await rows(page).count()) === 2, 10_000, 'both rows again');
  });

  it('pausing a queue on the Overview holds its jobs (queue list shows it paused); a resume from the CLI shows at once', async () => {
    const { page } = dash;
    await page.getByRole('link', { name: 'Overview' }).click();
    const row = page.locator('tr[data-queue="gpu"]');
    await row.waitFor();
    await button(page, 'Pause gpu').click();
    await button(page, 'Resume gpu').waitFor();
    await waitFor(async () => (await queue('gpu'))?.paused === true, 5000, 'gpu to be paused');
    expect((await queue('default'))?.paused).toBe(false);
    expect(await row.textContent()).toContain('Paused');

    const held = await home.ok(['enqueue', 'echo held', '--queue', 'gpu']);
    const free = await home.ok(['enqueue', 'echo free']);
    await home.until(free, 'completed');
    expect((await home.show(held)).state).toBe('pending');
    // The counts follow job events: the held job is counted as ready in its row (the pause holds it, not its time).
    await waitFor(async () => (await row.locator('[data-count="ready"]').textContent())?.trim() === '1', 10_000, 'gpu to count 1 ready');
    await screenshots(page, 'overview-queues');

    await home.ok(['resume', '--queue', 'gpu']);
    await button(page, 'Pause gpu').waitFor({ timeout: 5000 });
    expect(await row.textContent()).not.toContain('Paused');
    await home.until(held, 'completed');
    await waitFor(async () => (await row.locator('[data-count="ready"]').textContent())?.trim() === '0', 10_000, 'gpu to count 0 ready');
  });

  it('a parallel limit set in the window is what queue list shows; an invalid one shows an inline error and is not saved', async () => {
    const { page } = dash;
    const row = page.locator('tr[data-queue="gpu"]');
    await button(page, 'Edit gpu').click();
    const input = page.getByLabel('Parallel limit of gpu');
    for (const bad of ['0', 'two', '1001', '-3']) {
      await input.fill(bad);
      await input.press('Enter');
      await page.getByRole('alert').filter({ hasText: /whole number from 1 to/ }).waitFor();
      expect(await input.getAttribute('aria-invalid')).toBe('true');
    }
    await screenshots(page, 'overview-queue-invalid');
    expect((await queue('gpu'))?.parallel).toBeNull();

    await input.fill('2');
    await input.press('Enter');
    await waitFor(async () => (await queue('gpu'))?.parallel === 2, 5000, 'parallel 2 to be stored');
    await input.waitFor({ state: 'detached' });
    await waitFor(async () => (await row.textContent())?.includes('2 at a time'), 5000, 'the row to say 2 at a time');

    // Escape closes the editor without saving.
    await button(page, 'Edit gpu').click();
    await input.fill('7');
    await input.press('Escape');
    await input.waitFor({ state: 'detached' });
    // Focus goes back to the Edit button it came from.
    expect(await page.locator('[aria-label="Edit gpu"]:focus').count()).toBe(1);
    expect((await queue('gpu'))?.parallel).toBe(2);

    // A change from the CLI reaches the window through the queue event.
    await home.ok(['queue', 'set', 'gpu', '--parallel', 'all']);
    await waitFor(async () => (await row.textContent())?.includes('all workers'), 5000, 'the row to say all workers');
  });

  it('a job enqueued with --after shows its parent in the detail, waits for it, and comes back with its parent', async () => {
    const { page } = dash;
    // The parent waits in a paused queue, so canceling it never races a running process.
    await home.ok(['queue', 'set', 'held', '--parallel', '1']);
    await home.ok(['pause', '--queue', 'held']);
    const parent = await home.ok(['enqueue', 'echo parent', '--queue', 'held', '--name', 'the-parent']);
    const child = await home.ok(['enqueue', 'echo child', '--after', parent, '--name', 'the-child']);
    await page.goto(`${dash.home}#/jobs`);
    await waitFor(async () => (await page.locator(`tr[data-job-id="${child}"]`).textContent())?.includes('waiting'), 10_000, 'the child to be listed as waiting');
    await page.goto(`${dash.home}#/jobs/${child}`);
    const runsAfter = page.getByRole('region', { name: 'Runs after' });
    await runsAfter.getByRole('link', { name: parent }).waitFor({ timeout: 10_000 });
    await runsAfter.getByText('Waiting for 1 of 1 parent to complete.').waitFor();
    await runsAfter.getByText('the-parent').waitFor();
    await screenshots(page, 'job-detail-runs-after');

    await home.ok(['cancel', parent]);
    await page.getByText(`canceled: parent ${parent} was canceled`).first().waitFor({ timeout: 10_000 });
    await runsAfter.getByText('canceled').waitFor();

    await runsAfter.getByRole('link', { name: parent }).click();
    await page.waitForURL(new RegExp(`#/jobs/${parent}$`));
    await page.getByRole('heading', { name: 'the-parent' }).waitFor();
    await button(page, 'Retry with dependents').click();
    await page.getByText('1 dependent brought back').waitFor();
    expect((await home.show(parent)).state).toBe('pending');
    expect((await home.show(child)).state).toBe('pending');
    await home.ok(['cancel', parent]);
  });

  it('Retry in the dead-letter queue brings back the jobs a dead job canceled, when asked to', async () => {
    const { page } = dash;
    // The parent is enqueued while its queue is paused, so the child is stored before the parent can die.
    await home.ok(['pause', '--queue', 'held']);
    const parent = await home.ok(['enqueue', failsOnce('dies-once'), '--queue', 'held', '--retries', '0']);
    const child = await home.ok(['enqueue', 'echo after-the-fix', '--after', parent]);
    await home.ok(['resume', '--queue', 'held']);
    await home.until(parent, 'dead');
    expect((await home.until(child, 'canceled')).last_error).toContain(parent);

    await page.getByRole('link', { name: /Dead letters/ }).click();
    const row = page.locator(`tr[data-job-id="${parent}"]`);
    await row.waitFor({ timeout: 10_000 });
    await page.getByLabel('Retries bring back dependents').check();
    await screenshots(page, 'dlq-with-dependents');
    await row.getByRole('button', { name: 'Retry' }).click();
    await page.getByText(`Job ${parent} is pending again; 1 dependent brought back.`).waitFor();
    await home.until(child, 'completed');
  });

  it('the Enqueue form sends a queue, parents and a delay; bad input shows inline and stores nothing', async () => {
    const { page } = dash;
    const parent = await home.ok(['enqueue', 'echo parent-of-form']);
    await page.getByRole('link', { name: 'Enqueue' }).click();
    await page.getByLabel('Command').fill('echo from-the-form');
    await page.getByLabel('Working directory').fill(home.home);
    await page.getByLabel('Queue').fill('bad queue!');
    await page.getByLabel('Run after').fill('ok-id, not/an/id');
    await page.getByLabel('Delay').fill('ten minutes');
    await button(page, 'Enqueue').click();
    await page.getByRole('alert').filter({ hasText: 'queue name' }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'not/an/id' }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'duration' }).waitFor();
    await screenshots(page, 'enqueue-scheduling-invalid');
    const before = (await home.json<unknown[]>(['list'])).length;

    await page.getByLabel('Queue').fill('reports');
    await page.getByLabel('Run after').fill(parent);
    await page.getByLabel('Delay').fill('10m');
    await button(page, 'Enqueue').click();
    const notice = page.getByRole('status').filter({ hasText: 'in queue reports' });
    await notice.waitFor();
    const id = (await notice.locator('a').textContent())!;
    const job = await home.show(id);
    expect(job.queue).toBe('reports');
    expect(job.depends_on).toEqual([parent]);
    expect(Date.parse(job.run_at) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect((await home.json<unknown[]>(['list'])).length).toBe(before + 1);
    await home.ok(['cancel', id]);
  });

  it('the page made no request to anything but its own 127.0.0.1 origin', () => {
    expect(foreignRequests(dash)).toEqual([]);
  });
});
