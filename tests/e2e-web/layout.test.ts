import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { foreignRequests, useDashboard, type Dashboard } from '../helpers/browser.js';
import { waitFor, type TestHome } from '../helpers/daemon.js';
import { SIZES, shootBothThemes, widthOf } from './round2-screens.js';

/**
 * The layout reflows: below 1000 px the sidebar folds to icons, and at 800×900 every table keeps its ID,
 * state and command at real widths (the other columns give way). Also writes every screen's screenshots,
 * at 1280×800 and 800×900, light and dark, to test-results/dashboard-round2/.
 */
describe('dashboard in a browser: layout at 1280 and 800 px', () => {
  let home: TestHome;
  let dash: Dashboard;
  let deadId: string;
  const LONG = 'echo building the release artefacts for every target && exit 3';

  /** Header text → rendered width of the first row's cell under it (hidden columns left out). */
  const columnWidths = (table: Locator): Promise<Record<string, number>> =>
    table.evaluate((t) => {
      const shown = (el: { getBoundingClientRect(): { width: number } }): boolean => el.getBoundingClientRect().width > 0;
      const heads = [...t.querySelectorAll('thead th')].filter(shown);
      const cells = [...t.querySelectorAll('tbody tr:first-child td')].filter(shown);
      return Object.fromEntries(heads.map((th, i) => [th.textContent?.trim() ?? '', cells[i]?.getBoundingClientRect().width ?? 0]));
    });
  /** The table fits its card: no sideways scrolling at this size. */
  const fits = (table: Locator): Promise<boolean> => table.evaluate((t) => t.scrollWidth <= (t.parentElement?.clientWidth ?? 0) + 1);
  const open = async (page: Page, route: string, ready: Locator): Promise<void> => {
    await page.goto(`${dash.home}#${route}`);
    await ready.waitFor({ timeout: 15_000 });
  };

  useDashboard(2, async (t) => {
    ({ home, dash } = t);
    const ids = await Promise.all([
      home.ok(['enqueue', LONG, '--retries', '0', '--queue', 'gpu', '--name', 'release-build']),
      home.ok(['enqueue', 'echo the cpu side of things && exit 4', '--retries', '0', '--queue', 'cpu']),
      home.ok(['enqueue', 'echo done fine', '--queue', 'cpu']),
    ]);
    deadId = ids[0]!;
    await home.until(ids[0]!, 'dead');
    await home.until(ids[1]!, 'dead');
    await home.until(ids[2]!, 'completed');
    await home.ok(['schedule', 'add', '0 3 * * *', 'pg_dump --format=custom --file=/var/backups/nightly.dump production', '--name', 'nightly-backup']);
  });

  it('at 800×900 the sidebar folds to icons, still named for screen readers', async () => {
    const { page } = dash;
    await page.setViewportSize(SIZES.narrow);
    await open(page, '/', page.getByRole('heading', { name: 'Recent failures' }));
    expect(await widthOf(page.locator('aside'))).toBeLessThan(80);
    for (const name of ['Overview', 'Jobs', 'Dead letters', 'Schedules', 'Config', 'Enqueue']) {
      await expect(page.getByRole('link', { name: new RegExp(`^${name}`) }).isVisible()).resolves.toBe(true);
    }
    await page.setViewportSize(SIZES.wide);
    await waitFor(async () => (await widthOf(page.locator('aside'))) >= 200, 5000, 'the full sidebar at 1280 px');
  });

  it('at 800×900 Jobs, Dead letters, Schedules and Recent failures keep ID, state and command readable', async () => {
    const { page } = dash;
    await page.setViewportSize(SIZES.narrow);
    const cases: Array<{ route: string; table: string; id: string; command: string; state?: string }> = [
      { route: '/jobs', table: 'Jobs', id: 'ID', command: 'Command', state: 'State' },
      { route: '/dlq', table: 'Dead jobs', id: 'ID', command: 'Command' },
      { route: '/schedules', table: 'Schedules', id: 'ID', command: 'Command' },
      { route: '/', table: 'Recent failures', id: 'Job', command: 'Command', state: 'State now' },
    ];
    for (const c of cases) {
      const table = page.getByRole('table', { name: c.table });
      await open(page, c.route, table.locator('tbody tr').first());
      const widths = await columnWidths(table);
      expect(widths[c.id], `${c.table}: ${JSON.stringify(widths)}`).toBeGreaterThanOrEqual(90);
      expect(widths[c.command], `${c.table}: ${JSON.stringify(widths)}`).toBeGreaterThanOrEqual(250);
      if (c.state) expect(widths[c.state], `${c.table}: ${JSON.stringify(widths)}`).toBeGreaterThanOrEqual(100);
      expect(await fits(table), `${c.table} fits without sideways scrolling`).toBe(true);
    }
    // The job's full command is there to read, not cut to a few characters.
    const dlq = page.getByRole('table', { name: 'Dead jobs' });
    await open(page, '/dlq', dlq.locator(`tr[data-job-id="${deadId}"]`));
    expect(await widthOf(dlq.locator(`tr[data-job-id="${deadId}"] .command`))).toBeGreaterThanOrEqual(250);
    // The job's attempt history fits too; its error is shown (cut if need be, all of it on hover).
    const attempts = page.getByRole('table', { name: 'Attempts' });
    await open(page, `/jobs/${deadId}`, attempts.locator('tbody tr').first());
    expect(await fits(attempts), 'Attempts fits without sideways scrolling').toBe(true);
    const error = attempts.locator('td.error').first();
    expect(await widthOf(error)).toBeGreaterThanOrEqual(100);
    expect(await error.getAttribute('title')).toBe('exited with code 3');
  });

  it('writes every screen at both sizes, light and dark', async () => {
    const { page } = dash;
    const screens: Array<[string, string, () => Locator]> = [
      ['overview', '/', () => page.getByRole('heading', { name: 'Recent failures' })],
      ['jobs', '/jobs', () => page.locator('tr[data-job-id]').first()],
      ['dlq', '/dlq', () => page.locator('tr[data-job-id]').first()],
      ['schedules', '/schedules', () => page.locator('tr[data-schedule-id]').first()],
      ['config', '/config', () => page.getByRole('heading', { name: 'Config' })],
      ['enqueue', '/enqueue', () => page.getByRole('heading', { name: 'Enqueue a job' })],
      ['job-detail', `/jobs/${deadId}`, () => page.getByRole('table', { name: 'Attempts' })],
    ];
    for (const size of [SIZES.wide, SIZES.narrow]) {
      await page.setViewportSize(size);
      for (const [name, route, ready] of screens) {
        await open(page, route, ready());
        await shootBothThemes(page, name);
      }
    }
    await page.setViewportSize(SIZES.wide);
  });

  it('the page made no request to anything but its own 127.0.0.1 origin', () => {
    expect(foreignRequests(dash)).toEqual([]);
  });
});
