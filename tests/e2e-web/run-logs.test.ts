import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openDashboard, screenshot, type Dashboard } from '../helpers/browser.js';
import { TestHome } from '../helpers/daemon.js';

/** The job detail's log view follows every run of a job, and shows one run's output when picked (issue 13). */
describe('dashboard in a browser: logs per run', () => {
  let home: TestHome;
  let browser: Browser;
  let dash: Dashboard;

  beforeAll(async () => {
    home = new TestHome();
    await home.start(1);
    await home.ok(['config', 'set', 'backoff_factor_ms', '0']);
    browser = await launchBrowser();
    dash = await openDashboard(browser, home);
  });
  afterAll(async () => {
    await browser?.close();
    await home?.dispose();
  });

  it('all runs are followed in order under their headers; the picker shows one run; a manual retry is followed on', async () => {
    const { page } = dash;
    const gate = join(home.home, 'gate');
    const command = `echo "output of run $QUEUECTL_ATTEMPT"; [ "$QUEUECTL_ATTEMPT" = 1 ] && exit 1; while [ ! -e '${gate}' ]; do sleep 0.1; done`;
    const id = await home.ok(['enqueue', '--retries', '1', command]);
    await home.until(id, 'processing');
    await page.goto(`${dash.home}#/jobs/${id}`);
    const log = page.getByLabel('Log');
    await log.getByText('output of run 2').waitFor({ timeout: 10_000 });
    const all = (await log.textContent()) ?? '';
    expect(all).toMatch(/^output of run 1\n\n── queuectl: run 2 · \S+ ──\noutput of run 2\n/);

    const picker = page.getByLabel('Show');
    await picker.selectOption({ label: 'Run 1 · failed' });
    await log.getByText('end of run 1').waitFor({ timeout: 10_000 });
    expect(await log.locator('code').textContent()).toBe('output of run 1\n');

    // Run 2 is under way: its output alone, followed until it ends.
    await picker.selectOption({ label: 'Run 2 · running' });
    await log.getByText('output of run 2').waitFor({ timeout: 10_000 });
    writeFileSync(gate, '');
    await log.getByText('end of run 2').waitFor({ timeout: 15_000 });
    expect(await log.locator('code').textContent()).toBe('output of run 2\n');
    await screenshot(page, 'job-detail-run-picker');

    await picker.selectOption({ label: 'All 2 runs' });
    await log.getByText('end of log').waitFor({ timeout: 10_000 });
    await home.ok(['retry', id]);
    await log.getByText('output of run 3').waitFor({ timeout: 15_000 });
    expect(await log.locator('code').textContent()).toMatch(/^output of run 1\n\n── queuectl: run 2 · \S+ ──\noutput of run 2\n\n── queuectl: run 3 · \S+ ──\noutput of run 3\n$/);
  });
});
