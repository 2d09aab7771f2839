import type { Command } from 'commander';
import { withClient } from '../client.js';
import { printJson, printLine } from '../output.js';

export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .description('cancel a pending, failed (waiting to retry) or running job; a running one is killed with its processes')
    .argument('<id>', 'job id or a unique prefix of it')
    .option('--json', 'print the job as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const { job } = await withClient((c) => c.call('cancel', { id }));
      if (opts.json) printJson(job);
      else printLine(`canceled ${job.id}`);
    });
}
