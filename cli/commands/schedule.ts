import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { JOB_LIMITS, SCHEDULE_OVERLAPS, type Schedule, type ScheduleAddParams, type ScheduleOverlap } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { addEnvOptions, shellEnvironment, shellUmask, type EnvOptions } from '../job-env.js';
import { usageError } from '../errors.js';
import { ago, safeLine } from '../format.js';
import { slotClock, slotTime } from '../schedule-time.js';
import { note, printJson, printLine } from '../output.js';
import { duration, integer } from '../parse.js';
import { printFitted, type Column } from '../table.js';
import { queueName } from './queue.js';
import { registerScheduleControls } from './schedule-control.js';
import { registerScheduleEdit } from './schedule-edit.js';

/** The options of `schedule add`; `schedule edit` takes the same ones. */
export interface AddOptions {
  queue?: string;
  tz?: string;
  name?: string;
  retries?: number;
  priority?: number;
  timeout?: number;
  cwd?: string;
  overlap?: ScheduleOverlap;
  json?: boolean;
  /** --env and --no-env. */
  env?: EnvOptions;
}

const CRON_HELP = `The expression is read in the daemon's local time zone unless --tz names one:
  "*/15 * * * *"    every 15 minutes      "0 9 * * 1-5"  09:00 on weekdays
  "*/10 * * * * *"  every 10 seconds (6 fields: seconds first)
  @hourly, @daily, @weekly, @monthly, @yearly
Each firing enqueues an ordinary job (also while its queue is paused: the job
waits). With --overlap skip (the default) a slot whose previous job has not
ended (waiting, paused, waiting for a retry, running) enqueues nothing, so a
paused queue or a slow job never piles up jobs; --overlap allow enqueues anyway.
Slots missed while the daemon was not running or the machine slept fire once,
at start-up (or on waking), for the latest of them; the others are skipped.`;

/** `--overlap skip|allow`. */
export function overlapOption(raw: string): ScheduleOverlap {
  if (!(SCHEDULE_OVERLAPS as readonly string[]).includes(raw)) {
    throw new InvalidArgumentError(`expected ${SCHEDULE_OVERLAPS.join(' or ')} (what a slot does while the previous job has not ended), got ${JSON.stringify(raw)}.`);
  }
  return raw as ScheduleOverlap;
}

/** `queuectl schedule add | list | remove | edit | pause | resume | run`: recurring jobs. */
export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('recurring jobs: each slot of a cron expression enqueues a command as an ordinary job');

  const add = schedule
    .command('add')
    .description('add a recurring job; the same schedule (cron, zone and job) twice is kept once')
    .argument('<cron>', 'when, quoted: 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or @hourly, @daily, ...')
    .argument('<command...>', 'the shell command each firing enqueues (quote it)')
    .option('--queue <name>', 'the named queue its jobs run in (default: "default")', queueName)
    .option('--tz <zone>', "the IANA time zone the expression is read in, e.g. Europe/Berlin or UTC (default: the daemon's local zone)")
    .option('--name <text>', 'a label for its jobs')
    .option('--retries <n>', 'retries of each job after its first run (default: config max_retries when it fires)', integer(0, JOB_LIMITS.maxRetries))
    .option('--priority <n>', 'higher runs sooner (default 0)', integer(-JOB_LIMITS.priority, JOB_LIMITS.priority))
    .option('--timeout <duration>', 'kill each job and its processes after this long (e.g. 30s, 10m; 0: none; default: config job_timeout_ms)', duration)
    .option('--cwd <dir>', 'working directory of its jobs (default: the current directory)')
    .option('--overlap <skip|allow>', 'while its previous job has not ended, a slot enqueues nothing (skip, the default) or another job (allow)', overlapOption);
  addEnvOptions(add)
    .option('--json', 'print the schedule and whether it was added as JSON')
    .addHelpText('after', `\n${CRON_HELP}`)
    .action(async (cron: string, words: string[], opts: AddOptions) => {
      // `schedule add */5 * * * * cmd` unquoted: the shell split (and maybe expanded) the expression.
      if (!cron.trim().startsWith('@') && cron.trim().split(/\s+/).length === 1 && words.length >= 4) {
        throw usageError(`"${cron}" is not a whole cron expression: quote it as one argument, e.g. queuectl schedule add "*/5 * * * *" "make backup"`);
      }
      const command = words.join(' ');
      if (command.trim() === '') throw usageError('the command is empty; give a shell command, e.g. queuectl schedule add "@daily" "make backup"');
      const params: ScheduleAddParams = {
        cron,
        command,
        cwd: opts.cwd === undefined ? process.cwd() : resolve(opts.cwd),
        // Its jobs run as if typed here: this shell's environment (or --no-env's) and umask, stored with it.
        env: shellEnvironment(opts.env),
        umask: shellUmask(),
      };
      if (opts.queue !== undefined) params.queue = opts.queue;
      if (opts.tz !== undefined) params.tz = opts.tz;
      if (opts.name !== undefined) params.name = opts.name;
      if (opts.retries !== undefined) params.max_retries = opts.retries;
      if (opts.priority !== undefined) params.priority = opts.priority;
      if (opts.timeout !== undefined) params.timeout_ms = opts.timeout;
      if (opts.overlap !== undefined) params.overlap = opts.overlap;
      const result = await withClient((c) => c.call('schedule.add', params));
      if (opts.json) return printJson(result);
      const s = result.schedule;
      printLine(s.id);
      const next = s.next_at === null ? 'it is paused (queuectl schedule resume)' : `next run ${slotTime(s.next_at, s.tz)}`;
      note(result.created ? `queuectl: ${next}` : `queuectl: already scheduled as ${s.id} (nothing added); ${next}`);
      if (opts.tz !== undefined && s.tz !== null && opts.tz.trim().toLowerCase() !== s.tz.toLowerCase()) note(`queuectl: --tz ${opts.tz.trim()} is the zone ${s.tz}`);
    });

  schedule
    .command('list')
    .description("every schedule with its next run (in the schedule's zone, TZ) or paused, its last firing and the slots overlap skipped")
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

  registerScheduleEdit(schedule);
  registerScheduleControls(schedule);
}

/**
 * The `schedule list` table. NEXT RUN is in the zone of the TZ column next to it (local: this machine's), or
 * "paused". SKIPPED: slots overlap skip passed over, and the latest one. On a narrow terminal the command is
 * cut first, then LAST JOB, SKIPPED, LAST RUN, OVERLAP and the "(in …)" of NEXT RUN go; CRON, TZ and NEXT
 * RUN's time (or "paused") are always shown in full.
 */
function printSchedules(schedules: readonly Schedule[], wide: boolean): void {
  const now = Date.now();
  const columns: Column[] = [
    { header: 'ID' },
    { header: 'QUEUE', shrinkTo: 8 },
    { header: 'CRON' },
    { header: 'TZ' },
    { header: 'NEXT RUN' },
    { header: '', dropOrder: 5 },
    { header: 'LAST RUN', dropOrder: 3 },
    { header: 'LAST JOB', dropOrder: 1 },
    { header: 'SKIPPED', dropOrder: 2 },
    { header: 'OVERLAP', dropOrder: 4 },
    { header: 'COMMAND', shrinkTo: 16 },
  ];
  const rows = schedules.map((s) => [
    s.id,
    s.queue,
    safeLine(s.cron),
    s.tz ?? 'local',
    s.next_at === null ? 'paused' : slotClock(s.next_at, s.tz),
    s.next_at === null ? `(${ago(s.paused_at, now)})` : `(${ago(s.next_at, now)})`,
    s.last_fired_at === null ? '-' : ago(s.last_fired_at, now),
    s.last_job_id ?? '-',
    s.skipped === 0 ? '-' : `${s.skipped}, last ${ago(s.last_skipped_at, now)}`,
    s.overlap,
    safeLine(s.name ? `[${s.name}] ${s.command}` : s.command),
  ]);
  printFitted(columns, rows, wide);
}
