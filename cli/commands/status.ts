import type { Command } from 'commander';
import { QueueError } from '../../protocol/index.js';
import { DaemonUnavailable } from '../../protocol/node/client.js';
import { daemonHoldingHome } from '../../protocol/node/daemon-holder.js';
import { homePaths, resolveHome } from '../../protocol/node/paths.js';
import { withClient } from '../client.js';
import { printJson, printLine } from '../output.js';
import { renderStatus, stateFromStatus } from '../status-view.js';
import { watchStatus } from '../status-watch.js';
import { fitWidth } from '../table.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('summary: jobs per state, what each worker runs, the newest failures; --watch keeps it on screen, live')
    .option('-w, --watch', 'keep the summary on screen and redraw it as jobs change, until Ctrl-C; without a terminal, one line per change')
    .option('--json', 'print as JSON (with --watch: one JSON document per line, per change)')
    .action(async (opts: { watch?: boolean; json?: boolean }) => {
      if (opts.watch) {
        process.exitCode = await watchStatus({ json: opts.json === true });
        return;
      }
      const [status, stats] = await withClient((c) => Promise.all([c.call('status', {}), c.call('stats', {})])).catch(explainSilentDaemon);
      if (opts.json) return printJson(status);
      const state = stateFromStatus(status);
      state.failures = stats.recent_failures;
      for (const line of renderStatus(state, { now: Date.now(), width: fitWidth(), maxFailures: 5 })) printLine(line);
    });
}

/**
 * No socket answered: if a daemon still holds the home (its socket file was deleted, or it is stopped),
 * say so with its pid and what to do, instead of "no daemon is running" (still exit 3, as an unavailable
 * daemon: the CLI prints this message as is).
 */
function explainSilentDaemon(err: unknown): never {
  if (!(err instanceof QueueError && err.code === 'NOT_RUNNING')) throw err;
  const paths = homePaths(resolveHome());
  const pid = daemonHoldingHome(paths);
  if (pid === null) throw err;
  throw new DaemonUnavailable(
    'unresponsive',
    `the queuectl daemon for ${paths.home} is running (pid ${pid}) but its socket ${paths.socket} does not answer. ` +
      `A deleted socket is made again within a few seconds: try again; if it persists, stop the daemon with: queuectl worker stop`,
  );
}
