import type { Command } from 'commander';
import { withDaemon } from '../client.js';
import { note, printJson, printLine } from '../output.js';

/**
 * `queuectl ui [--web]`: shows the desktop app's dashboard window, or (with --web, or when the daemon runs
 * headless and has no window) serves the dashboard to a browser and prints where.
 */
export function registerUi(program: Command): void {
  program
    .command('ui')
    .description("open the dashboard: the desktop app's window, or with --web (or a headless daemon) a browser page on 127.0.0.1")
    .option('--web', 'serve the dashboard to a browser and print its URL (one line, with the access token)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { web?: boolean; json?: boolean }) => {
      const result = await withDaemon('ui', async (c) => {
        if (!opts.web && (await c.call('status', {})).has_window) return { window: await c.call('ui.show', {}) };
        if (!opts.web) note('queuectl: this daemon runs headless and has no window; serving the dashboard to a browser instead');
        return { web: await c.call('ui.web', {}) };
      });
      if ('window' in result) {
        if (opts.json) return printJson(result.window);
        return note('queuectl: the dashboard window is open');
      }
      if (opts.json) return printJson(result.web);
      printLine(result.web.url);
      note('open this in a browser; it stays valid while the daemon runs');
    });
}
