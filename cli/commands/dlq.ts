import type { Command } from 'commander';
import { MAX_SELECTED_IDS } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { EXIT, usageError } from '../errors.js';
import { note, printJson, printLine } from '../output.js';
import { integer, jobIds } from '../parse.js';
import { printJobs } from './list.js';
import { allOrNone } from './remove.js';

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
    .description('put dead jobs (or --all of them) back to pending with their attempts reset; several ids: all of them or none')
    .argument('[id...]', `job ids or unique prefixes of them (at most ${MAX_SELECTED_IDS})`)
    .option('--all', 'retry every dead job')
    .option('--with-dependents', 'also bring back the jobs (enqueue --after) their deaths canceled, and theirs in turn; they wait for their parents again')
    .option('--json', 'print the retried jobs as JSON')
    .action(async (rawIds: string[], opts: { all?: boolean; withDependents?: boolean; json?: boolean }) => {
      if (rawIds.length === 0 && !opts.all) throw usageError('give a job id, or --all to retry every dead job');
      if (rawIds.length > 0 && opts.all) throw usageError('give a job id or --all, not both');
      const ids = opts.all ? [] : jobIds(rawIds, MAX_SELECTED_IDS);
      const flags = opts.withDependents ? { with_dependents: true } : {};
      /**
       * --all that retried nothing: the dead jobs it left, each waiting for a parent canceled or still dead
       * (asked only then: once jobs were retried, one may already have died again and be counted wrongly).
       */
      let left = 0;
      const result = await withClient(async (c) => {
        if (opts.all) {
          const retried = await c.call('dlq.retry', { all: true, ...flags });
          if (!opts.json && retried.count === 0) left = (await c.call('list', { state: 'dead', limit: 1 })).total;
          return retried;
        }
        if (ids.length === 1) return c.call('dlq.retry', { id: ids[0], ...flags });
        return c.call('dlq.retry', { ids, ...flags }).catch((err: unknown) => {
          throw allOrNone(err, 'retried');
        });
      });
      if (opts.json) return printJson(result);
      if (result.count === 0 && left === 0) note('the dead-letter queue is empty; nothing to retry');
      if (left > 0) {
        const jobs = left === 1 ? 'the 1 dead job waits' : `each of the ${left} dead jobs waits`;
        note(`queuectl: nothing to retry: ${jobs} for a parent that is canceled or stays dead (queuectl dlq list; retry that parent first)`);
      }
      for (const job of result.jobs) printLine(`retrying ${job.id}`);
      if (result.count > result.jobs.length) printLine(`… and ${result.count - result.jobs.length} more (${result.count} in all)`);
      if (opts.withDependents) printLine(dependentsLine(result.dependents));
    });

  dlq
    .command('purge')
    .description('delete every dead job with its history and log (asks first on a terminal)')
    .option('-y, --yes', 'do not ask; required when stdin is not a terminal')
    .option('--json', 'print the count as JSON')
    .action(async (opts: { yes?: boolean; json?: boolean }) => {
      if (!opts.yes && !process.stdin.isTTY) {
        throw usageError('dlq purge deletes every dead job and its log; add --yes to confirm when stdin is not a terminal (nothing was deleted)');
      }
      let asked: number | null = null;
      if (!opts.yes) {
        // Counted and asked with no connection open: a person may take their time to answer.
        asked = (await withClient((c) => c.call('list', { state: 'dead', limit: 1 }))).total;
        if (asked > 0 && !(await confirm(asked === 1 ? 'Delete the 1 dead job and its log? [y/N] ' : `Delete all ${asked} dead jobs and their logs? [y/N] `))) {
          note('nothing was deleted');
          process.exitCode = EXIT.failure;
          return;
        }
      }
      const { count } = asked === 0 ? { count: 0 } : await withClient((c) => c.call('dlq.purge', {}));
      if (asked !== null && count > asked) note(`${count - asked} more died while you were asked; they were deleted too`);
      if (opts.json) return printJson({ count });
      printLine(`deleted ${count} dead ${count === 1 ? 'job' : 'jobs'}`);
    });
}

/** Asks a yes/no question on the terminal (stderr); only y or yes is a yes, end of input a no. */
export async function confirm(question: string): Promise<boolean> {
  process.stderr.write(question);
  // Loaded here, not with the CLI: every other call would pay for readline (~1.5% of a call's instructions).
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin, terminal: false });
  const answer = await new Promise<string | null>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(null));
  });
  rl.close();
  if (answer === null) process.stderr.write('\n');
  return answer !== null && /^y(es)?$/i.test(answer.trim());
}

/** What --with-dependents brought back, for people. */
export function dependentsLine(n: number): string {
  if (n === 0) return 'no canceled dependents to bring back';
  return `${n} canceled ${n === 1 ? 'dependent is' : 'dependents are'} pending again`;
}
