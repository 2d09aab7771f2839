import type { Command } from 'commander';
import { withClient } from '../client.js';
import { followLog, printLogFrom, readTail, write } from '../follow-log.js';
import { integer } from '../parse.js';
import { FOLLOW_EXIT_HELP } from './wait.js';

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("print a job's output (stdout and stderr); --follow keeps printing it as it is written until the job ends")
    .argument('<id>', 'job id or a unique prefix of it')
    .option('-f, --follow', 'keep printing new output until the job has ended; exits with its exit code, as wait does')
    .option('-n, --tail <n>', 'only the last n lines (with --follow: then what follows)', integer(0, 100_000_000))
    .addHelpText('after', FOLLOW_EXIT_HELP)
    .action(async (id: string, opts: { follow?: boolean; tail?: number }) => {
      await withClient(async (c) => {
        const job = opts.follow ? (await c.call('show', { id })).job : null;
        const fullId = job?.id ?? id;
        let next: number;
        if (opts.tail !== undefined) {
          const tail = await readTail(c, fullId, opts.tail);
          if (tail.text) await write(tail.text);
          next = tail.next;
        } else {
          next = await printLogFrom(c, fullId, 0);
        }
        if (job) process.exitCode = await followLog(c, job, next);
      });
    });
}
