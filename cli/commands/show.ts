import type { Command } from 'commander';
import { formatDuration, runsLabel, type Attempt, type Job, type JobDetail } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { ago, displayWidth, elapsed, localTime, safeLine, safeText, terminalWidth, timeAndAgo } from '../format.js';
import { bold, colorState, dim, printJson, printLine } from '../output.js';
import { printFitted } from '../table.js';

const LABEL = 11;

export function registerShow(program: Command): void {
  program
    .command('show')
    .description('one job with its attempt history, times in local time (--json: every field, ISO timestamps)')
    .argument('<id>', 'job id or a unique prefix of it')
    .option('--wide', 'do not cut long errors in the attempt table to the terminal width')
    .option('--json', 'print as JSON')
    .action(async (id: string, opts: { wide?: boolean; json?: boolean }) => {
      const { job, attempts } = await withClient((c) => c.call('show', { id }));
      if (opts.json) return printJson({ ...job, attempt_history: attempts });
      printJob(job, Date.now());
      if (attempts.length === 0) return;
      printLine();
      printAttempts(attempts, opts.wide === true);
    });
}

function printJob(job: JobDetail, now: number): void {
  const ran = elapsed(job.started_at, job.state === 'processing' ? null : job.finished_at, now);
  const fields: Array<[string, string]> = [
    ['id', job.id],
    ['name', job.name === null ? '-' : safeLine(job.name)],
    ['command', indent(safeText(job.command))],
    ['state', colorState(job.state)],
    ['queue', job.queue],
    ...(job.depends_on.length > 0 ? [['after', after(job)] as [string, string]] : []),
    ...(job.schedule_id !== null ? [['schedule', job.schedule_id] as [string, string]] : []),
    ['runs', `${runsLabel(job)} (runs used of runs allowed; max_retries ${job.max_retries})`],
    ['priority', String(job.priority)],
    ['timeout', job.timeout_ms ? formatDuration(job.timeout_ms) : 'none'],
    ['cwd', job.cwd ?? '-'],
    ['env', indent(environment(job.env))],
    ['umask', job.umask],
    ['created', timeAndAgo(job.created_at, now)],
    ['updated', timeAndAgo(job.updated_at, now)],
    ['run at', runAt(job, now)],
    ['started', timeAndAgo(job.started_at, now)],
    ['finished', job.state === 'processing' ? '-' : timeAndAgo(job.finished_at, now)],
    ['duration', ran === null ? '-' : formatDuration(ran) + (job.state === 'processing' ? ' so far' : '')],
    ['exit code', job.exit_code === null ? '-' : String(job.exit_code)],
    ['last error', job.last_error === null ? '-' : indent(safeText(job.last_error))],
    ...(job.last_line !== null ? [['last line', safeLine(job.last_line)] as [string, string]] : []),
    ['worker', job.worker_id === null ? '-' : String(job.worker_id)],
    ['log', job.log_path],
  ];
  for (const [k, v] of fields) printLine(`${bold(k.padEnd(LABEL))} ${v}`);
}

/** The names of its variables, never their values (they may be secrets; `show --json` has them). */
function environment(env: Record<string, string> | null): string {
  if (env === null) return "the queue's own (the daemon's environment when it starts)";
  const names = Object.keys(env).sort();
  if (names.length === 0) return 'empty';
  return `${names.length} variables (values: show --json)\n${wrapWords(names.map(safeLine), terminalWidth() - LABEL - 1).join('\n')}`;
}

/** Words joined by spaces into lines of at most `width` columns (a longer word gets a line of its own). */
function wrapWords(words: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && displayWidth(line) + 1 + displayWidth(word) > width) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Its parents, and how many of them have not completed yet. */
function after(job: Job): string {
  return `${job.depends_on.join(', ')} (${job.waiting_on > 0 ? `${job.waiting_on} not completed` : 'all completed'})`;
}

/** When a waiting job runs; for others when it became due (dimmed: history). */
function runAt(job: Job, now: number): string {
  if (job.state === 'pending' || job.state === 'failed') {
    return Date.parse(job.run_at) > now ? timeAndAgo(job.run_at, now) : `${localTime(job.run_at)} (due ${ago(job.run_at, now)})`;
  }
  return dim(localTime(job.run_at));
}

/** Continuation lines of a multi-line value line up under its first line. */
function indent(text: string): string {
  return text.replace(/\n/g, '\n' + ' '.repeat(LABEL + 1));
}

function printAttempts(attempts: Attempt[], wide: boolean): void {
  printFitted(
    [
      { header: 'RUN', align: 'right' },
      { header: 'OUTCOME' },
      { header: 'EXIT', align: 'right', dropOrder: 3 },
      { header: 'SIGNAL', dropOrder: 1 },
      { header: 'DURATION', align: 'right' },
      { header: 'WORKER', align: 'right', dropOrder: 2 },
      { header: 'STARTED', dropOrder: 4 },
      { header: 'ERROR', shrinkTo: 16 },
    ],
    attempts.map((a) => [
      String(a.number),
      a.outcome,
      a.exit_code === null ? '-' : String(a.exit_code),
      a.signal ?? '-',
      a.duration_ms === null ? (a.outcome === 'running' ? formatDuration(elapsed(a.started_at, null) ?? 0) + '…' : '-') : formatDuration(a.duration_ms),
      a.worker_id === null ? '-' : String(a.worker_id),
      localTime(a.started_at),
      safeLine(a.error ?? '-'),
    ]),
    wide,
  );
  // What each failed run printed last: the line that usually says why (its whole output: logs --run N).
  for (const a of attempts) if (a.last_line !== null) printLine(dim(`run ${a.number} last line: `) + safeLine(a.last_line));
}
