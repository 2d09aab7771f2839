import type { Command } from 'commander';
import { withClient } from '../client.js';
import { usageError } from '../errors.js';
import { note, printJson, printLine } from '../output.js';
import { integer } from '../parse.js';
import { printJobs } from './list.js';

export function registerDlq(program: Command): void {
  const dlq = program.command('dlq').description('the dead-letter queue: jobs whose retries ran out');

  dlq
    .command('list')
    .description('dead jobs with their last error')
    .option('--limit <n>', 'show at most n jobs (default 50)', integer(1, 100_000))
    .option('--wide', 'do not cut long commands to the terminal width')
    .option('--json', 'print as JSON')
    .action(async (opts: { limit?: number; wide?: boolean; json?: boolean }) => {
      const result = await withClient((c) => c.call('list', { state: 'dead', limit: opts.limit }));
      if (opts.json) return printJson(result.jobs);
      printJobs(result.jobs, result.total, opts.wide, 'the dead-letter queue is empty', true);
    });

  dlq
    .command('retry')
    .description('put a dead job (or --all of them) back to pending with its attempts reset')
    .argument('[id]', 'job id or a unique prefix of it')
    .option('--all', 'retry every dead job')
    .option('--json', 'print the retried jobs as JSON')
    .action(async (id: string | undefined, opts: { all?: boolean; json?: boolean }) => {
      if (!id && !opts.all) throw usageError('give a job id, or --all to retry every dead job');
      if (id && opts.all) throw usageError('give a job id or --all, not both');
      const result = await withClient((c) => c.call('dlq.retry', opts.all ? { all: true } : { id }));
      if (opts.json) return printJson(result);
      if (result.count === 0) note('the dead-letter queue is empty; nothing to retry');
      for (const job of result.jobs) printLine(`retrying ${job.id}`);
      if (result.count > result.jobs.length) printLine(`… and ${result.count - result.jobs.length} more (${result.count} in all)`);
    });
}
