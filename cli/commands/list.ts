import type { Command } from 'commander';
import { DEFAULT_QUEUE, LIST_SORTS, runsLabel, type Job, type JobState, type ListSort } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { usageError } from '../errors.js';
import { JOB_FIELDS, parseFields, printFields, type JobField } from '../fields.js';
import { safeLine } from '../format.js';
import { colorState, note, printJson, relative } from '../output.js';
import { integer, sortField, sortOrder, state } from '../parse.js';
import { printFitted, type Column } from '../table.js';
import { queueName } from './queue.js';

/** The daemon refuses longer searches; said here first so the message names the flag. */
const MAX_SEARCH_LENGTH = 1000;

interface ListOptions {
  state?: JobState;
  queue?: string;
  search?: string;
  sort?: ListSort;
  order?: 'asc' | 'desc';
  offset?: number;
  limit?: number;
  wide?: boolean;
  json?: boolean;
  fields?: JobField[];
  /** false with --no-header. */
  header?: boolean;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('jobs, most recent first (or as --sort and --order say)')
    .option('--state <state>', 'only jobs in this state (pending, processing, completed, failed, dead, canceled)', state)
    .option('--queue <name>', 'only jobs of this named queue', queueName)
    .option('--search <text>', 'only jobs whose command or name contains this text, ignoring case')
    .option('--sort <field>', `sort by ${LIST_SORTS.join(', ')} (default created)`, sortField)
    .option('--order <order>', 'asc or desc (default desc: newest, highest, most attempts, Z first)', sortOrder)
    .option('--offset <n>', 'skip the first n matching jobs (to page through them)', integer(0, Number.MAX_SAFE_INTEGER))
    .option('--limit <n>', 'show at most n jobs (default 50)', integer(1, 100_000))
    .option('--wide', 'do not cut long commands to the terminal width')
    .option('--json', 'print as JSON (with --fields: only those fields)')
    .option('--fields <fields>', `for scripts: only these fields, tab-separated, one job per line after a header line, e.g. id,state,command (fields: ${JOB_FIELDS.join(', ')})`, parseFields)
    .option('--no-header', 'with --fields: leave out the header line')
    .action(async (opts: ListOptions) => {
      if (opts.search !== undefined && opts.search.length > MAX_SEARCH_LENGTH) {
        throw usageError(`--search may be at most ${MAX_SEARCH_LENGTH} characters, got ${opts.search.length}`);
      }
      if (opts.header === false && !opts.fields) throw usageError('--no-header goes with --fields (the table always has its header)');
      const { wide, json, fields, header, ...params } = opts;
      const result = await withClient((c) => c.call('list', params));
      if (fields) {
        printFields(result.jobs, fields, { header: header !== false, json: json === true });
        // Scripts read stdout; a partial answer must still be said (on stderr), or a pipeline misses jobs.
        const start = opts.offset ?? 0;
        if (start + result.jobs.length < result.total) {
          note(`showing ${start + 1}-${start + result.jobs.length} of ${result.total}; --limit or --offset ${start + result.jobs.length} for more`);
        }
        return;
      }
      if (json) return printJson(result.jobs);
      const empty =
        'no jobs' + (opts.state ? ` in state ${opts.state}` : '') + (opts.queue ? ` in queue ${opts.queue}` : '') + (opts.search ? ` matching ${JSON.stringify(opts.search)}` : '');
      printJobs(result.jobs, result.total, wide, empty, false, opts.offset ?? 0);
    });
}

/** The jobs table shared by list and dlq list; `offset` (list only) says where this page starts. */
export function printJobs(jobs: Job[], total: number, wide = false, empty = 'no jobs', withError = false, offset?: number): void {
  if (jobs.length === 0) {
    if (process.stdout.isTTY) note(offset && total > 0 ? `${empty} past the first ${total} (--offset ${offset})` : empty);
    return;
  }
  const now = Date.now();
  // QUEUE only when some job on the page is outside the default queue: one-queue users see no change.
  const withQueue = jobs.some((j) => j.queue !== DEFAULT_QUEUE);
  // On a narrow terminal COMMAND, LAST ERROR and QUEUE are cut first (with "…"), then PRI, RUNS, WHEN and QUEUE go.
  // RUNS: runs used of runs allowed (protocol/runs.ts), as the dashboard shows them.
  const columns: Column[] = [
    { header: 'ID' },
    { header: 'STATE' },
    ...(withQueue ? [{ header: 'QUEUE', shrinkTo: 8, dropOrder: 4 }] : []),
    { header: 'RUNS', dropOrder: 2, align: 'right' },
    { header: 'PRI', dropOrder: 1, align: 'right' },
    { header: 'WHEN', dropOrder: 3 },
    ...(withError ? [{ header: 'LAST ERROR', shrinkTo: 12 }] : []),
    { header: 'COMMAND', shrinkTo: 16 },
  ];
  const rows = jobs.map((j) => [
    j.id,
    colorState(j.state),
    ...(withQueue ? [j.queue] : []),
    runsLabel(j),
    String(j.priority),
    when(j, now),
    ...(withError ? [lastError(j.last_error, wide)] : []),
    safeLine(j.name ? `[${j.name}] ${j.command}` : j.command),
  ]);
  printFitted(columns, rows, wide);
  if (offset === undefined) {
    if (total > jobs.length) note(`showing ${jobs.length} of ${total}; use --limit to see more`);
  } else if (offset > 0 || total > jobs.length) {
    const end = offset + jobs.length;
    note(`showing ${offset + 1}-${end} of ${total}` + (total > end ? `; --offset ${end} shows the next page` : ''));
  }
}

/** The error on one line; at most 60 characters unless --wide (the table cuts it further to fit). */
function lastError(error: string | null, wide: boolean): string {
  const text = safeLine(error ?? '-');
  return wide || text.length <= 60 ? text : text.slice(0, 59) + '…';
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
