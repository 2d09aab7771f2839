import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { TAKES_SCREENSHOTS } from '../helpers/browser.js';

/** Where the second round's screenshots go (test-results/ is not committed): every screen, both sizes, both themes. */
export const ROUND2_SCREENSHOTS = resolve('test-results/dashboard-round2');

/** The two window sizes the dashboard is checked at. */
export const SIZES = { wide: { width: 1280, height: 800 }, narrow: { width: 800, height: 900 } } as const;

/**
 * Saves `<name>-<size>-light.png` and `-dark.png` of the page as it is now (full page). Colours change with a
 * 120 ms transition: the dark one is taken after it ended. Nothing in the postgres project (TAKES_SCREENSHOTS).
 */
export async function shootBothThemes(page: Page, name: string): Promise<void> {
  if (!TAKES_SCREENSHOTS) return;
  mkdirSync(ROUND2_SCREENSHOTS, { recursive: true });
  const size = (page.viewportSize()?.width ?? 0) < 1000 ? 'narrow' : 'wide';
  await page.emulateMedia({ colorScheme: 'light' });
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(ROUND2_SCREENSHOTS, `${name}-${size}-light.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(ROUND2_SCREENSHOTS, `${name}-${size}-dark.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The rendered width of an element in CSS pixels (0 when it is not displayed). */
export async function widthOf(locator: Locator): Promise<number> {
  return (await locator.boundingBox())?.width ?? 0;
}
