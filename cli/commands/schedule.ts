import { resolve } from 'node:path';
import type { Command } from 'commander';
import { JOB_LIMITS, type Schedule, type ScheduleAddParams } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { usageError } from '../errors.js';
import { ago, localTime, safeLine } from '../format.js';
import { note, printJson, printLine } from '../output.js';
import { duration, integer } from '../parse.js';
import { printFitted, type Column } from '../table.js';
import { queueName } from './queue.js';

interface AddOptions {
  queue?: string;
  tz?: string;
  name?: string;
  retries?: number;
  priority?: number;
  timeout?: number;
  cwd?: string;
  json?: boolean;
}

const CRON_HELP = `The cron expression is read in the daemon's local time zone unless --tz names one:
  "*/15 * * * *"    every 15 minutes        "0 9 * * 1-5"   09:00 on weekdays
  "*/10 * * * * *"  every 10 seconds (6 fields: seconds first)
  @hourly, @daily, @weekly, @monthly, @yearly
Each firing enqueues an ordinary job (also while its queue is paused: the job waits). A slot missed while
the daemon was not running or the machine slept fires once at start-up (or on waking), for the latest
missed slot; the others are skipped.`;

/** `queuectl schedule add | list | remove`: recurring jobs. */
export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('recurring jobs: each slot of a cron expression enqueues a command as an ordinary job');

  schedule
    .command('add')
    .description('add a recurring job; the same schedule (cron, zone and job) twice is kept once')
    .argument('<cron>', 'when, quoted: 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or @hourly, @daily, ...')
    .argument('<command...>', 'the shell command each firing enqueues (quote it)')
    .option('--queue <name>', 'the named queue its jobs run in (default: default)', queueName)
    .option('--tz <zone>', "the IANA time zone the expression is read in, e.g. Europe/Berlin or UTC (default: the daemon's local zone)")
    .option('--name <text>', 'a label for its jobs')
    .option('--retries <n>', 'retries of each job after its first run (default: config max_retries when it fires)', integer(0, JOB_LIMITS.maxRetries))
    .option('--priority <n>', 'higher runs sooner (default 0)', integer(-JOB_LIMITS.priority, JOB_LIMITS.priority))
    .option('--timeout <duration>', 'kill each job and its processes after this long (e.g. 30s, 10m; 0: none; default: config job_timeout_ms)', duration)
    .option('--cwd <dir>', 'working directory of its jobs (default: the current directory)')
    .option('--json', 'print the schedule and whether it was added as JSON')
    .addHelpText('after', `\n${CRON_HELP}`)
    .action(async (cron: string, words: string[], opts: AddOptions) => {
      // `schedule add */5 * * * * cmd` unquoted: the shell split (and maybe expanded) the expression.
      if (!cron.trim().startsWith('@') && cron.trim().split(/\s+/).length === 1 && words.length >= 4) {
        throw usageError(`"${cron}" is not a whole cron expression: quote it as one argument, e.g. queuectl schedule add "*/5 * * * *" "make backup"`);
      }
      const command = words.join(' ');
      if (command.trim() === '') throw usageError('the command is empty; give a shell command, e.g. queuectl schedule add "@daily" "make backup"');
      const params: ScheduleAddParams = { cron, command, cwd: opts.cwd === undefined ? process.cwd() : resolve(opts.cwd) };
      if (opts.queue !== undefined) params.queue = opts.queue;
      if (opts.tz !== undefined) params.tz = opts.tz;
      if (opts.name !== undefined) params.name = opts.name;
      if (opts.retries !== undefined) params.max_retries = opts.retries;
      if (opts.priority !== undefined) params.priority = opts.priority;
      if (opts.timeout !== undefined) params.timeout_ms = opts.timeout;
      const result = await withClient((c) => c.call('schedule.add', params));
      if (opts.json) return printJson(result);
      const s = result.schedule;
      printLine(s.id);
      note(result.created ? `queuectl: next run ${slotTime(s.next_at)}` : `queuectl: already scheduled as ${s.id} (nothing added); next run ${slotTime(s.next_at)}`);
    });

  schedule
    .command('list')
    .description('every schedule with its next run and its last firing')
    .option('--wide', 'do not cut long commands to the terminal width')
    .option('--json', 'print as JSON')
    .action(async (opts: { wide?: boolean; json?: boolean }) => {
      const result = await withClient((c) => c.call('schedule.list', {}));
      if (opts.json) return printJson(result);
      if (result.schedules.length === 0) {
        if (process.stdout.isTTY) note('no schedules; add one with: queuectl schedule add "<cron>" "<command>"');
        return;
      }
      printSchedules(result.schedules, opts.wide === true);
    });

  schedule
    .command('remove')
    .alias('rm')
    .description('delete a schedule; the jobs it enqueued already stay')
    .argument('<id>', 'schedule id or a unique prefix of it')
    .option('--json', 'print the removed schedule as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      if (id.trim() === '') throw usageError('a schedule id cannot be empty');
      const result = await withClient((c) => c.call('schedule.remove', { id }));
      if (opts.json) return printJson(result);
      printLine(`removed ${result.schedule.id}`);
    });
}

/** A slot for people, in local time: "2026-11-28 14:00 (in 25m 00s)"; seconds only when the slot has them. */
function slotTime(iso: string, now = Date.now()): string {
  return `${localTime(iso).replace(/:00$/, '')} (${ago(iso, now)})`;
}

/** The `schedule list` table; on a narrow terminal the command is cut first, then LAST JOB, TZ and LAST RUN go. */
function printSchedules(schedules: readonly Schedule[], wide: boolean): void {
  const now = Date.now();
  const columns: Column[] = [
    { header: 'ID' },
    { header: 'CRON', shrinkTo: 12 },
    { header: 'TZ', dropOrder: 2 },
    { header: 'QUEUE', shrinkTo: 8 },
    { header: 'NEXT RUN' },
    { header: 'LAST RUN', dropOrder: 3 },
    { header: 'LAST JOB', dropOrder: 1 },
    { header: 'COMMAND', shrinkTo: 16 },
  ];
  const rows = schedules.map((s) => [
    s.id,
    safeLine(s.cron),
    s.tz ?? 'local',
    s.queue,
    slotTime(s.next_at, now),
    s.last_fired_at === null ? '-' : ago(s.last_fired_at, now),
    s.last_job_id ?? '-',
    safeLine(s.name ? `[${s.name}] ${s.command}` : s.command),
  ]);
  printFitted(columns, rows, wide);
}
