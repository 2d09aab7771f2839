import type { Command } from 'commander';
import type { Job, JobState } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { colorState, note, oneLine, printJson, printTable, relative } from '../output.js';
import { integer, state } from '../parse.js';

interface ListOptions {
  state?: JobState;
  limit?: number;
  wide?: boolean;
  json?: boolean;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('jobs, most recent first')
    .option('--state <state>', 'only jobs in this state (pending, processing, completed, failed, dead, canceled)', state)
    .option('--limit <n>', 'show at most n jobs (default 50)', integer(1, 100_000))
    .option('--wide', 'do not cut long commands to the terminal width')
    .option('--json', 'print as JSON')
    .action(async (opts: ListOptions) => {
      const result = await withClient((c) => c.call('list', { state: opts.state, limit: opts.limit }));
      if (opts.json) return printJson(result.jobs);
      printJobs(result.jobs, result.total, opts.wide, 'no jobs' + (opts.state ? ` in state ${opts.state}` : ''));
    });
}

/** The jobs table shared by list and dlq list. */
export function printJobs(jobs: Job[], total: number, wide = false, empty = 'no jobs', withError = false): void {
  if (jobs.length === 0) {
    if (process.stdout.isTTY) note(empty);
    return;
  }
  const now = Date.now();
  const headers = ['ID', 'STATE', 'ATTEMPTS', 'PRI', 'WHEN', ...(withError ? ['LAST ERROR'] : []), 'COMMAND'];
  const rows = jobs.map((j) => [
    j.id,
    colorState(j.state),
    `${j.attempts}/${j.max_retries + 1}`,
    String(j.priority),
    when(j, now),
    ...(withError ? [oneLine(j.last_error ?? '-').slice(0, 60)] : []),
    oneLine(j.name ? `[${j.name}] ${j.command}` : j.command),
  ]);
  printTable(headers, rows, wide);
  if (total > jobs.length) note(`showing ${jobs.length} of ${total}; use --limit to see more`);
}

/** The moment that matters for the state: when a waiting job runs, when a finished one ended. */
function when(job: Job, now: number): string {
  switch (job.state) {
    case 'pending':
    case 'failed':
      return Date.parse(job.run_at) > now ? `runs ${relative(job.run_at, now)}` : `queued ${relative(job.created_at, now)}`;
    case 'processing':
      return `started ${relative(job.started_at, now)}`;
    case 'completed':
    case 'dead':
    case 'canceled':
      return relative(job.finished_at ?? job.updated_at, now);
    default: {
      const never: never = job.state;
      return never;
    }
  }
}
