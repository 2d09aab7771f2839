import type { Command } from 'commander';
import { withClient } from '../client.js';
import { note, printJson } from '../output.js';

/** `queuectl pause` / `queuectl resume`: stop and restart starting jobs; running jobs are never touched. */
export function registerPause(program: Command): void {
  program
    .command('pause')
    .description('stop starting jobs (running ones go on) until queuectl resume; survives restarts')
    .option('--json', 'print the queue state as JSON')
    .action(async (opts: { json?: boolean }) => {
      const result = await withClient((c) => c.call('queue.pause', {}));
      if (opts.json) return printJson(result);
      note(result.changed ? 'queuectl: queue paused; running jobs go on, no new job starts until: queuectl resume' : 'queuectl: the queue was already paused');
    });
  program
    .command('resume')
    .description('start jobs again after queuectl pause')
    .option('--json', 'print the queue state as JSON')
    .action(async (opts: { json?: boolean }) => {
      const result = await withClient((c) => c.call('queue.resume', {}));
      if (opts.json) return printJson(result);
      note(result.changed ? 'queuectl: queue resumed' : 'queuectl: the queue was not paused');
    });
}
