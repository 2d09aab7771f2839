import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { JOB_LIMITS, type ScheduleEditParams } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { usageError } from '../errors.js';
import { addEnvOptions, shellEnvironment } from '../job-env.js';
import { note, printJson, printLine } from '../output.js';
import { duration, integer } from '../parse.js';
import { slotTime } from '../schedule-time.js';
import { queueName } from './queue.js';
import { overlapOption, type AddOptions } from './schedule.js';
import { scheduleId } from './schedule-control.js';

/** `schedule add`'s options, plus the two fields add takes as arguments. */
interface EditOptions extends AddOptions {
  cron?: string;
  command?: string;
}

/** `queuectl schedule edit <id> --cron … --command …`: the options of `schedule add`, each one changing that field. */
export function registerScheduleEdit(schedule: Command): void {
  const edit = schedule
    .command('edit')
    .description('change a schedule: each option given replaces that field, checked as add checks it; a new cron or zone moves the next run')
    .argument('<id>', 'schedule id or a unique prefix of it')
    .option('--cron <expr>', 'when, quoted: 5 fields, 6 with seconds first, or @hourly, @daily, ...')
    .addOption(new Option('--command <cmd>', 'the shell command each firing enqueues (quote it)'))
    .option('--queue <name>', 'the named queue its jobs run in', queueName)
    .option('--tz <zone>', 'the IANA time zone the expression is read in; "local" for the daemon\'s zone')
    .option('--name <text>', 'a label for its jobs ("" for none)')
    .option('--retries <n>', 'retries of each job after its first run', integer(0, JOB_LIMITS.maxRetries))
    .option('--priority <n>', 'higher runs sooner', integer(-JOB_LIMITS.priority, JOB_LIMITS.priority))
    .option('--timeout <duration>', 'kill each job and its processes after this long (e.g. 30s, 10m; 0: none)', duration)
    .option('--cwd <dir>', 'working directory of its jobs')
    .option('--overlap <skip|allow>', 'while its previous job has not ended, a slot enqueues nothing (skip) or another job (allow)', overlapOption);
  addEnvOptions(edit)
    .option('--json', 'print the schedule and whether it changed as JSON')
    .addHelpText('after', '\nWithout --env or --no-env the environment it captured when added is kept; with either, this\nshell\'s (or the minimal one) replaces it, as schedule add would capture it.')
    .action(async (id: string, opts: EditOptions) => {
      const params: ScheduleEditParams = { id: scheduleId(id) };
      if (opts.cron !== undefined) params.cron = opts.cron;
      if (opts.command !== undefined) {
        if (opts.command.trim() === '') throw usageError('--command is empty; give a shell command');
        params.command = opts.command;
      }
      if (opts.queue !== undefined) params.queue = opts.queue;
      if (opts.tz !== undefined) params.tz = opts.tz.trim().toLowerCase() === 'local' ? null : opts.tz;
      if (opts.name !== undefined) params.name = opts.name === '' ? null : opts.name;
      if (opts.retries !== undefined) params.max_retries = opts.retries;
      if (opts.priority !== undefined) params.priority = opts.priority;
      if (opts.timeout !== undefined) params.timeout_ms = opts.timeout;
      if (opts.cwd !== undefined) params.cwd = resolve(opts.cwd);
      if (opts.overlap !== undefined) params.overlap = opts.overlap;
      if (opts.env !== undefined) params.env = shellEnvironment(opts.env);
      if (Object.keys(params).length === 1) {
        throw usageError('nothing to change: give at least one of --cron, --command, --queue, --tz, --name, --retries, --priority, --timeout, --cwd, --overlap, --env, --no-env');
      }
      const result = await withClient((c) => c.call('schedule.edit', params));
      if (opts.json) return printJson(result);
      const s = result.schedule;
      printLine(result.changed ? `edited ${s.id}` : `${s.id} is like that already (nothing changed)`);
      note(s.next_at === null ? 'queuectl: it is paused (queuectl schedule resume)' : `queuectl: next run ${slotTime(s.next_at, s.tz)}`);
    });
}
