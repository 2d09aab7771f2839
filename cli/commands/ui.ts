import type { Command } from 'commander';
import { withClient } from '../client.js';
import { note, printJson, printLine } from '../output.js';

/** `queuectl ui [--web]`: serves the dashboard to a browser and prints where. */
export function registerUi(program: Command): void {
  program
    .command('ui')
    .description('open the dashboard; --web serves it to a browser on 127.0.0.1 and prints its URL')
    .option('--web', 'serve the dashboard to a browser and print its URL (one line, with the access token)')
    .option('--json', 'print the address as JSON')
    .action(async (opts: { web?: boolean; json?: boolean }) => {
      if (!opts.web) note('queuectl: the desktop window is not available yet (the headless daemon has none); serving the dashboard to a browser instead');
      const result = await withClient((c) => c.call('ui.web', {}));
      if (opts.json) return printJson(result);
      printLine(result.url);
      note('open this in a browser; it stays valid while the daemon runs');
    });
}
