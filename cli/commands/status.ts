import type { Command } from 'commander';
import { withClient } from '../client.js';
import { bold, printJson, printLine } from '../output.js';
import { renderStatus, stateFromStatus } from '../status-view.js';
import { watchStatus } from '../status-watch.js';
import { fitWidth } from '../table.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('summary: jobs per state, how many are ready and scheduled and how long the oldest ready ones waited, what each worker runs, the newest failures; --watch keeps it on screen, live')
    .option('-w, --watch', 'keep the summary on screen and redraw it as jobs change, until Ctrl-C; without a terminal, one line per change')
    .option('--json', 'print as JSON (with --watch: one JSON document per line, per change)')
    .action(async (opts: { watch?: boolean; json?: boolean }) => {
      if (opts.watch) {
        process.exitCode = await watchStatus({ json: opts.json === true });
        return;
      }
      // A store out of reach still gets an answer from `status` (store.available false); `stats` reads the store, so then it is not asked.
      const [status, stats, local] = await withClient(async (c) => {
        const s = await c.call('status', {});
        return [s, s.store.available && !opts.json ? await c.call('stats', {}) : null, c.local] as const;
      });
      if (opts.json) return printJson(status);
      const state = stateFromStatus(status);
      state.failures = stats?.recent_failures ?? null;
      const lines = renderStatus(state, { now: Date.now(), width: fitWidth(), maxFailures: 5, waiting: true });
      // No daemon: the first line would name this command's pid and uptime as the daemon's.
      if (local) lines[0] = `${bold('queuectl')} ${status.version} · no daemon running: nothing runs until queuectl worker start`;
      for (const line of lines) printLine(line);
    });
}
