import { lstatSync } from 'node:fs';
import type { Command } from 'commander';
import type { RpcClient } from '../../protocol/node/client.js';
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
          if (tail.bytes.length > 0) await write(tail.bytes);
          next = tail.next;
        } else {
          next = await printLogFrom(c, fullId, 0);
          if (next === 0 && !opts.follow) await reportMissingLog(c, id);
        }
        if (job) process.exitCode = await followLog(c, job, next);
      });
    });
}

/**
 * An empty answer for a job that has run: if its log file is gone (deleted by hand, or logs/ removed under
 * the daemon), say so on stderr and exit 1, rather than print nothing and exit 0 as for a job that printed
 * nothing. The CLI runs on the daemon's machine as its user, so it looks at the file itself.
 */
async function reportMissingLog(c: RpcClient, id: string): Promise<void> {
  const { job, attempts } = await c.call('show', { id });
  if (attempts.length === 0) return;
  try {
    lstatSync(job.log_path);
  } catch {
    process.stderr.write(`queuectl: the log of job ${job.id} (${job.log_path}) is missing: it was deleted after the job ran, so its output is lost\n`);
    process.exitCode = 1;
  }
}
