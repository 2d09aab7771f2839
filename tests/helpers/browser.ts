import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { TestHome } from './daemon.js';
import { ON_POSTGRES } from './postgres.js';

/** Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it). Playwright's own download never works here. */
export const CHROMIUM = process.env.QUEUECTL_CHROMIUM ?? '/usr/bin/chromium';

/** Screenshots of each screen land here (not committed: test-results/ is ignored). */
export const SCREENSHOTS = resolve('test-results/screenshots');

/**
 * Whether this run saves screenshots: the sqlite project's run does. The postgres project runs the same screens
 * again, which look the same on either store; its shots would only overwrite those (in the same files, possibly
 * while the other project writes them) and add about a second per shot to the run.
 */
export const TAKES_SCREENSHOTS = !ON_POSTGRES;

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Starts Chromium, or fails with what to install: a missing browser must fail the suite, never skip it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with apt-get install -y chromium (.ci/run does), or set QUEUECTL_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** A browser tab on the dashboard of the daemon in `home`, recording every URL the page requests. */
export interface Dashboard {
  context: BrowserContext;
  page: Page;
  /** The URL `queuectl ui --web` printed (with its token). */
  url: string;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** http://127.0.0.1:<port>/<prefix>/: the dashboard's page (the printed URL without its token). */
  home: string;
  /** Every request the page made, in order. */
  requests: string[];
}

/** Asks the daemon for its web UI through the CLI, as a user would, and opens it in a fresh context. */
export async function openDashboard(
  browser: Browser,
  home: TestHome,
  options: { colorScheme?: 'light' | 'dark' } = {},
): Promise<Dashboard> {
  const url = await home.ok(['ui', '--web']);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: options.colorScheme ?? 'light' });
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  await page.getByRole('link', { name: 'Overview' }).waitFor();
  const { origin, pathname } = new URL(url);
  return { context, page, url, origin, home: `${origin}${pathname}`, requests };
}

/** Saves a full-page screenshot as test-results/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!TAKES_SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Requests that went anywhere but the daemon's own loopback origin (data: and blob: URLs do not leave the page). */
export function foreignRequests(dashboard: Dashboard): string[] {
  return dashboard.requests.filter((u) => !u.startsWith(`${dashboard.origin}/`) && !/^(data|blob):/.test(u));
}

/** Both themes of the screen as it is now (colours change with a 120 ms transition: let it end first). */
export async function screenshots(page: Page, name: string): Promise<void> {
  if (!TAKES_SCREENSHOTS) return;
  await screenshot(page, name);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(400);
  await screenshot(page, `${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
}

/**
 * For the describe block it is called in: before all its tests a daemon with `workers` workers in a fresh
 * home and its dashboard open in Chromium, handed to `opened` (which may go on, e.g. to a screen); after
 * them the browser closed and the home disposed.
 */
export function useDashboard(
  workers: number,
  opened: (t: { home: TestHome; dash: Dashboard }) => unknown,
): void {
  let home: TestHome | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    home = new TestHome();
    await home.start(workers);
    browser = await launchBrowser();
    await opened({ home, dash: await openDashboard(browser, home) });
  });
  afterAll(async () => {
    await browser?.close();
    await home?.dispose();
  });
}
