import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useDashboard, type Dashboard } from '../helpers/browser.js';
import { isAlive, startCli, waitFor, type TestHome } from '../helpers/daemon.js';
import { SIZES, shootBothThemes } from './round2-screens.js';

/**
 * A graceful stop is pushed to the page (the stopping event): it says Stopping with what it waits for while
 * the running job finishes, with no status read (the page reads status only when it connects), and
 * Disconnected once the daemon is gone.
 */
describe('dashboard in a browser: a stopping daemon', () => {
  let home: TestHome;
  let dash: Dashboard;

  useDashboard(1, (t) => ({ home, dash } = t));

  it('worker stop: Stopping (1 running) and a banner while the job finishes, then Disconnected', async () => {
    const { page } = dash;
    const gate = join(home.home, 'gate');
    const id = await home.ok(['enqueue', `while [ ! -e '${gate}' ]; do sleep 0.05; done`]);
    await home.until(id, 'processing');
    const indicator = page.locator('nav [role="status"]');
    await expect.poll(() => indicator.textContent(), { timeout: 10_000 }).toContain('Connected');
    const pid = Number(await home.ok(['status', '--json']).then((s) => (JSON.parse(s) as { pid: number }).pid));

    const stopping = startCli(home, ['worker', 'stop']);
    await expect.poll(() => indicator.textContent(), { timeout: 10_000 }).toContain('Stopping… (1 running)');
    const banner = page.locator('main [role="status"]', { hasText: 'The daemon is stopping' });
    await banner.waitFor({ timeout: 5_000 });
    expect((await banner.textContent())?.replace(/\s+/g, ' ')).toMatch(/No job starts\. Waiting for 1 running job to finish; any still running at [^;.]+ are killed and put back to pending\. Then the daemon exits\./);
    // Still stopping, not gone: the job holds the stop.
    expect(isAlive(pid)).toBe(true);
    expect(existsSync(gate)).toBe(false);
    for (const size of [SIZES.wide, SIZES.narrow]) {
      await page.setViewportSize(size);
      await shootBothThemes(page, 'stopping');
    }

    writeFileSync(gate, '');
    await expect.poll(() => indicator.textContent(), { timeout: 20_000 }).toContain('Disconnected');
    await banner.waitFor({ state: 'detached', timeout: 5_000 });
    expect((await stopping.done).code).toBe(0);
    await waitFor(() => !isAlive(pid), 10_000, 'the daemon to exit');
  });
});
