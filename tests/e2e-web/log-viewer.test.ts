import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useDashboard, type Dashboard } from '../helpers/browser.js';
import type { TestHome } from '../helpers/daemon.js';
import { SIZES, shootBothThemes } from './round2-screens.js';

/** The job page's log viewer (issue 16): what an empty log says, find in the log, download. */
describe('dashboard in a browser: the log viewer', () => {
  let home: TestHome;
  let dash: Dashboard;

  useDashboard(1, (t) => ({ home, dash } = t));

  const note = (page: Page) => page.getByLabel('Log').locator('.note');
  const count = (page: Page) => page.getByRole('search', { name: 'Find in output' }).locator('.count');

  it('a job that has not run says when it runs or what it waits on; only a running one waits for output', async () => {
    const { page } = dash;
    const gate = join(home.home, 'quiet-gate');
    const quiet = await home.ok(['enqueue', `while [ ! -e '${gate}' ]; do sleep 0.05; done`]);
    await home.until(quiet, 'processing');
    const child = await home.ok(['enqueue', '--after', quiet, 'true']);
    const delayed = await home.ok(['enqueue', '--delay', '2h', 'true']);

    await page.goto(`${dash.home}#/jobs/${delayed}`);
    await expect.poll(() => note(page).textContent(), { timeout: 10_000 }).toMatch(/^Not started yet — runs in 1h 59m\.$/);
    await page.goto(`${dash.home}#/jobs/${child}`);
    await expect.poll(() => note(page).textContent(), { timeout: 10_000 }).toBe('Not started yet — waiting on 1 job to complete.');
    await page.goto(`${dash.home}#/jobs/${quiet}`);
    await expect.poll(() => note(page).textContent(), { timeout: 10_000 }).toBe('Waiting for output…');
    writeFileSync(gate, '');
    await home.until(child, 'completed');
  });

  it('find: every match counted and highlighted, Enter/Shift+Enter move and scroll to it, new output is searched too', async () => {
    const { page } = dash;
    const gate = join(home.home, 'find-gate');
    const command = `seq 1 150; echo 'a Needle here' >&2; seq 151 300; while [ ! -e '${gate}' ]; do sleep 0.05; done; echo 'needle again'`;
    const id = await home.ok(['enqueue', command]);
    await page.goto(`${dash.home}#/jobs/${id}`);
    const log = page.getByLabel('Log');
    await log.getByText('300').waitFor({ timeout: 10_000 });

    await page.getByRole('searchbox', { name: 'Find in output' }).fill('needle');
    await expect.poll(() => count(page).textContent(), { timeout: 5_000 }).toBe('1 of 1');
    expect(await highlighted(page)).toEqual({ all: 1, current: ['Needle'] });
    // The view followed the output to its end; the match, mid-log, was scrolled into view.
    expect(await currentMatchVisible(page)).toBe(true);

    writeFileSync(gate, '');
    await expect.poll(() => count(page).textContent(), { timeout: 10_000 }).toBe('1 of 2');
    await page.getByRole('searchbox', { name: 'Find in output' }).press('Enter');
    expect(await count(page).textContent()).toBe('2 of 2');
    expect(await highlighted(page)).toEqual({ all: 2, current: ['needle'] });
    await page.getByRole('searchbox', { name: 'Find in output' }).press('Shift+Enter');
    expect(await count(page).textContent()).toBe('1 of 2');
    expect(await currentMatchVisible(page)).toBe(true);
    await page.getByRole('searchbox', { name: 'Find in output' }).fill('no such text');
    await expect.poll(() => count(page).textContent(), { timeout: 5_000 }).toBe('no match');
    expect(await highlighted(page)).toEqual({ all: 0, current: [] });
  });

  it('download: the whole log or the picked run, byte for byte, named after the job; the route refuses as `logs` does', async () => {
    const { page } = dash;
    await home.ok(['config', 'set', 'backoff_factor_ms', '0']);
    // Run 1 prints bytes that are not UTF-8 and fails; run 2 completes.
    const id = await home.ok(['enqueue', '--retries', '1', `printf 'run %s \\377\\376\\n' "$QUEUECTL_ATTEMPT"; [ "$QUEUECTL_ATTEMPT" != 1 ]`]);
    await home.until(id, 'completed');
    await page.goto(`${dash.home}#/jobs/${id}`);
    await page.getByLabel('Log').getByText('end of log').waitFor({ timeout: 10_000 });
    for (const size of [SIZES.wide, SIZES.narrow]) {
      await page.setViewportSize(size);
      await page.getByRole('searchbox', { name: 'Find in output' }).fill('run');
      await shootBothThemes(page, 'job-log-tools');
    }
    await page.setViewportSize(SIZES.wide);

    const whole = await downloaded(page);
    expect(whole.name).toBe(`${id}.log`);
    expect(whole.bytes.equals(readFileSync(join(home.home, 'logs', `${id}.log`)))).toBe(true);
    expect(whole.bytes.includes(Buffer.from([0xff, 0xfe]))).toBe(true);

    await page.getByLabel('Show').selectOption({ label: 'Run 1 · failed' });
    await page.getByLabel('Log').getByText('end of run 1').waitFor({ timeout: 10_000 });
    const run1 = await downloaded(page);
    expect(run1.name).toBe(`${id}-run-1.log`);
    expect(run1.bytes.equals(Buffer.from('run 1 \xff\xfe\n', 'latin1'))).toBe(true);

    const get = (query: string) => dash.context.request.get(`${dash.home}log?${query}`);
    const missing = await get('id=nosuchjob');
    expect([missing.status(), await missing.text()]).toEqual([404, 'no job with id or prefix "nosuchjob"\n']);
    const badRun = await get(`id=${id}&run=abc`);
    expect(badRun.status()).toBe(400);
    expect(await badRun.text()).toContain('run must be a run number or "latest"');
    const noRun = await get(`id=${id}&run=9`);
    expect(noRun.status()).toBe(400);
  });

  /** Clicks Download and reads what the browser saved. */
  async function downloaded(page: Page): Promise<{ name: string; bytes: Buffer }> {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download' }).click()]);
    const path = await download.path();
    return { name: download.suggestedFilename(), bytes: readFileSync(path) };
  }
});

/** How many matches are highlighted, and the text of the current one (the page's CSS.highlights). */
function highlighted(page: Page): Promise<{ all: number; current: string[] }> {
  return page.evaluate(`({
    all: CSS.highlights.get('log-match')?.size ?? 0,
    current: [...(CSS.highlights.get('log-current') ?? [])].map(String),
  })`);
}

/** The current match lies inside the log's scrolled view. */
function currentMatchVisible(page: Page): Promise<boolean> {
  return page.evaluate(`(() => {
    const range = [...(CSS.highlights.get('log-current') ?? [])][0];
    const pre = document.querySelector('pre[role="log"]');
    if (!range || !pre) return false;
    const box = range.getBoundingClientRect();
    const view = pre.getBoundingClientRect();
    return box.top >= view.top && box.bottom <= view.bottom;
  })()`);
}
