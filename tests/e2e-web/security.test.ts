import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openDashboard, screenshot, type Dashboard } from '../helpers/browser.js';
import { TestHome } from '../helpers/daemon.js';

/** What a browser can and cannot do with the dashboard's local server. */
describe('dashboard in a browser: access', () => {
  let home: TestHome;
  let browser: Browser;
  let dash: Dashboard;
  let evil: Server;
  let evilOrigin: string;

  beforeAll(async () => {
    home = new TestHome();
    await home.start(1);
    browser = await launchBrowser();
    dash = await openDashboard(browser, home);
    // Another local web page the user might have open: it knows the port, not the token.
    evil = createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    evil?.close();
    await browser?.close();
    await home?.dispose();
  });

  it('is refused without the token from the printed URL', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${dash.origin}/`);
    expect(response?.status()).toBe(401);
    expect(await page.locator('body').textContent()).toContain('queuectl ui --web');
    const wrong = await page.goto(`${dash.origin}/?token=${'0'.repeat(64)}`);
    expect(wrong?.status()).toBe(401);
    const asset = await page.goto(`${dash.origin}/events`);
    expect(asset?.status()).toBe(401);
    await context.close();
  });

  it('another page in the same browser cannot make the daemon act (no CSRF), even with the cookie set', async () => {
    const page = await dash.context.newPage();
    await page.goto(evilOrigin);
    const attempts = await page.evaluate(async (target) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'enqueue', params: { job: { command: 'touch /tmp/csrf-was-here', name: 'csrf' } } });
      const results: string[] = [];
      for (const init of [
        { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body },
        { method: 'POST', mode: 'cors', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body },
      ] as RequestInit[]) {
        try {
          const r = await fetch(`${target}/rpc`, init);
          results.push(`status ${r.status}`);
        } catch (err) {
          results.push(`blocked: ${String(err)}`);
        }
      }
      return results;
    }, dash.origin);
    expect(attempts).toHaveLength(2);
    const jobs = await home.json<Array<{ name: string | null }>>(['list']);
    expect(jobs.filter((j) => j.name === 'csrf')).toEqual([]);
    await page.close();
  });

  it('a page that lost its daemon says how to start one', async () => {
    const { page } = dash;
    await page.getByRole('link', { name: 'Overview' }).click();
    await home.stop();
    await page.getByText(/queuectl worker start/).first().waitFor({ timeout: 15_000 });
    await screenshot(page, 'disconnected');
  });
});
