import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Dashboard } from '../helpers/browser.js';
import { useDashboard } from '../helpers/browser.js';
import { waitFor, type TestHome } from '../helpers/daemon.js';
import { SIZES, shootBothThemes } from './round2-screens.js';

/**
 * Overview's throughput: figures in words beside the chart, 1 h / 24 h / 7 d and per queue, counted from
 * per-minute aggregates that deleting jobs does not change; per-queue ready/scheduled counts and latency.
 */
describe('dashboard in a browser: throughput and queue latency', () => {
  let home: TestHome;
  let dash: Dashboard;

  useDashboard(2, (t) => ({ home, dash } = t));

  const figure = (page: Page, name: string) => page.locator(`[data-figure="${name}"]`);
  const figures = async (page: Page): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const name of ['completed', 'retried', 'dead', 'canceled']) out[name] = (await figure(page, name).textContent())?.trim() ?? '';
    return out;
  };
  /** Waits until the figures read `want` (the page re-reads stats at most every 5 s on job events). */
  const figuresBecome = (page: Page, want: Record<string, string>, what: string) =>
    waitFor(async () => JSON.stringify(await figures(page)) === JSON.stringify(want), 15_000, what);

  /**
   * The rate now and the last bar count the current minute: runs that straddle a minute's end would split
   * between two bars. Starts the runs early in a minute (the clock is the event awaited).
   */
  const startOfAMinute = async () => {
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 25_000) await new Promise((r) => setTimeout(r, left + 50));
  };

  it('shows the runs of the range in numbers, and a purge and a clean change none of them', async () => {
    const { page } = dash;
    await startOfAMinute();
    const ok = await Promise.all([1, 2, 3].map((n) => home.ok(['enqueue', `echo ok ${n}`])));
    const bad = await home.ok(['enqueue', 'exit 3', '--retries', '0', '--queue', 'gpu']);
    for (const id of ok) await home.until(id, 'completed');
    await home.until(bad, 'dead');
    await page.reload();
    await figuresBecome(page, { completed: '3', retried: '0', dead: '1', canceled: '0' }, 'the figures of 4 runs');
    expect(Number(await figure(page, 'per-minute').textContent())).toBeGreaterThan(0);
    expect(await page.locator('[data-throughput-figures]').textContent()).toContain('in the last hour');
    // The bars' titles say the same per minute.
    expect(await page.locator('.plot svg g title').last().textContent()).toMatch(/3 completed, 1 failed \(1 went dead\)/);

    await home.ok(['dlq', 'purge', '--yes']);
    await home.ok(['clean', '--yes']);
    expect(await home.json<unknown[]>(['list'])).toEqual([]);
    await page.reload();
    await page.locator('.cards .dead .value').filter({ hasText: '0' }).waitFor({ timeout: 10_000 });
    await figuresBecome(page, { completed: '3', retried: '0', dead: '1', canceled: '0' }, 'the same figures after purge and clean');
  });

  it('switches range (24 h: 96 bars, 7 d: 168) and queue, and the figures follow', async () => {
    const { page } = dash;
    const bars = () => page.locator('.plot svg g').count();
    expect(await bars()).toBe(60);
    await page.getByRole('button', { name: '24h', exact: true }).click();
    await waitFor(async () => (await bars()) === 96, 10_000, '96 bars');
    expect(await page.getByRole('button', { name: '24h', exact: true }).getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('[data-throughput-figures]').textContent()).toContain('in the last 24 hours');
    await figuresBecome(page, { completed: '3', retried: '0', dead: '1', canceled: '0' }, 'the same runs over 24 h');
    await page.getByRole('button', { name: '7d', exact: true }).click();
    await waitFor(async () => (await bars()) === 168, 10_000, '168 bars');
    await shootBothThemes(page, 'overview-throughput-7d');

    await page.getByLabel('Queue shown in the throughput').selectOption('gpu');
    await figuresBecome(page, { completed: '0', retried: '0', dead: '1', canceled: '0' }, 'gpu only');
    expect(await page.locator('[data-throughput-figures]').textContent()).toContain('queue gpu');
    await page.getByLabel('Queue shown in the throughput').selectOption('');
    await page.getByRole('button', { name: '1h', exact: true }).click();
    await waitFor(async () => (await bars()) === 60, 10_000, '60 bars');
  });

  it('the queues table splits ready from scheduled jobs and shows how long the oldest ready one waited', async () => {
    const { page } = dash;
    await home.ok(['pause', '--queue', 'gpu']);
    const held = await home.ok(['enqueue', 'echo held', '--queue', 'gpu']);
    await home.ok(['enqueue', 'echo later', '--queue', 'gpu', '--delay', '2h']);
    const row = page.locator('tr[data-queue="gpu"]');
    await waitFor(
      async () => (await row.locator('[data-count="ready"]').textContent())?.trim() === '1' && (await row.locator('[data-count="scheduled"]').textContent())?.trim() === '1',
      10_000,
      'gpu: 1 ready, 1 scheduled',
    );
    await waitFor(async () => /^\d+(\.\d+)?s$/.test((await row.locator('[data-latency]').textContent())?.trim() ?? ''), 10_000, 'a latency in seconds');
    expect(await row.locator('[data-latency] span').getAttribute('title')).toContain('the queue is paused');
    expect((await page.locator('tr[data-queue="default"] [data-latency]').textContent())?.trim()).toBe('–');

    for (const size of [SIZES.wide, SIZES.narrow]) {
      await page.setViewportSize(size);
      await page.waitForTimeout(300);
      // Pause/Resume keep the card's right padding: the table fits its card, even with a paused queue's badge.
      const queues = page.getByRole('table', { name: 'Queues' });
      expect(await queues.evaluate((t) => t.scrollWidth <= (t.parentElement?.clientWidth ?? 0) + 1), `queues table fits at ${size.width} px`).toBe(true);
      await shootBothThemes(page, 'overview-throughput');
    }
    await page.setViewportSize(SIZES.wide);

    await home.ok(['resume', '--queue', 'gpu']);
    await home.until(held, 'completed');
    await waitFor(async () => (await row.locator('[data-latency]').textContent())?.trim() === '–', 10_000, 'no latency once it ran');
  });
});
