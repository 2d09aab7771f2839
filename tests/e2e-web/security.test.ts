import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openDashboard, screenshot, type Dashboard } from '../helpers/browser.js';
import { TestHome } from '../helpers/daemon.js';
import { rawRequest } from '../helpers/web.js';

/** What a browser can and cannot do with the dashboard's local server. */
describe('dashboard in a browser: access', () => {
  let home: TestHome;
  let browser: Browser;
  let dash: Dashboard;
  let evil: Server;
  let evilOrigin: string;
  /** Every request the other local server got: its path and the Cookie header the browser sent with it. */
  const evilSaw: Array<{ path: string; cookie: string | null }> = [];

  beforeAll(async () => {
    home = new TestHome();
    await home.start(1);
    browser = await launchBrowser();
    dash = await openDashboard(browser, home);
    // Another local user's web server that the user might visit: it knows the dashboard's port, not the
    // token or the prefix, and records the cookies the browser sends it.
    evil = createServer((req, res) => {
      evilSaw.push({ path: req.url ?? '', cookie: req.headers.cookie ?? null });
      res.setHeader('Content-Type', 'text/html');
      res.end('<!doctype html><title>elsewhere</title>');
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    evil?.close();
    await browser?.close();
    await home?.dispose();
  });

  it('is refused without the token from the printed URL', async () => {
    const token = new URL(dash.url).searchParams.get('token')!;
    const context = await browser.newContext();
    const page = await context.newPage();
    for (const address of [`${dash.origin}/`, dash.home]) {
      const response = await page.goto(address);
      expect(response?.status(), address).toBe(401);
      expect(await page.locator('body').textContent()).toContain('queuectl ui --web');
    }
    const wrong = await page.goto(`${dash.home}?token=${'0'.repeat(64)}`);
    expect(wrong?.status()).toBe(401);
    const events = await page.goto(`${dash.home}events`);
    expect(events?.status()).toBe(401);
    // The right token without the prefix: no cookie either.
    const noPrefix = await page.goto(`${dash.origin}/?token=${token}`);
    expect(noPrefix?.status()).toBe(401);
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });

  it('another local server on 127.0.0.1 that the browser visits gets no dashboard cookie, so it cannot replay it', async () => {
    const prefixPath = new URL(dash.home).pathname;
    const [cookie] = await dash.context.cookies(dash.home);
    expect(cookie).toMatchObject({ name: 'qctl', domain: '127.0.0.1', path: prefixPath, httpOnly: true, sameSite: 'Strict' });
    // Cookies are not separated by port, and every 127.0.0.1 port is the same site: with Path=/ each of
    // these navigations would carry qctl=<token> to the other server.
    const page = await dash.context.newPage();
    const visits = ['/', '/rpc', '/events', '/index.html', '/assets/x.js'];
    for (const path of visits) await page.goto(`${evilOrigin}${path}`);
    await page.evaluate(() => fetch('/rpc', { method: 'POST', credentials: 'include', body: '{}' }).then((r) => r.text()));
    const seen = evilSaw.filter((r) => r.path !== '/favicon.ico');
    expect(seen.map((r) => r.path)).toEqual([...visits, '/rpc']);
    expect(seen.filter((r) => r.cookie?.includes('qctl='))).toEqual([]);
    // What the other server would do with a cookie it got: call the dashboard from its own process, with
    // forged Host and Origin. With whatever it received, and without the prefix, it is refused.
    const received = seen.find((r) => r.cookie !== null)?.cookie ?? null;
    for (const path of ['/rpc', `${prefixPath}rpc`]) {
      const replay = await rawRequest(Number(new URL(dash.origin).port), {
        method: 'POST',
        path,
        headers: { origin: dash.origin, 'content-type': 'application/json', cookie: received },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'enqueue', params: { job: { command: 'true', name: 'replayed' } } }),
      });
      expect(replay.status, path).toBeGreaterThanOrEqual(400);
    }
    // The control: the browser would send the cookie to a path under the prefix, on any port. The prefix
    // is what keeps it home, which is why it is as secret as the token (never logged, never in a Referer).
    await page.goto(`${evilOrigin}${prefixPath}`);
    expect(evilSaw.find((r) => r.path === prefixPath)?.cookie).toContain('qctl=');
    expect((await home.json<Array<{ name: string | null }>>(['list'])).filter((j) => j.name === 'replayed')).toEqual([]);
    await page.close();
  });

  it('another page in the same browser cannot make the daemon act (no CSRF), even with the cookie set and the prefix known', async () => {
    const page = await dash.context.newPage();
    await page.goto(evilOrigin);
    const attempts = await page.evaluate(async (targets) => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'enqueue', params: { job: { command: 'touch /tmp/csrf-was-here', name: 'csrf' } } });
      const results: string[] = [];
      for (const target of targets) {
        for (const init of [
          { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body },
          { method: 'POST', mode: 'cors', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body },
        ] as RequestInit[]) {
          try {
            const r = await fetch(target, init);
            results.push(`status ${r.status}`);
          } catch (err) {
            results.push(`blocked: ${String(err)}`);
          }
        }
      }
      return results;
    }, [`${dash.origin}/rpc`, `${dash.home}rpc`]);
    expect(attempts).toHaveLength(4);
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
