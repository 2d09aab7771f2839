import type { Command } from 'commander';
import { withClient } from '../client.js';
import { usageError } from '../errors.js';
import { note, printJson, printLine } from '../output.js';
import { slotTime } from '../schedule-time.js';

/** `queuectl schedule pause | resume | run <id>`. */
export function registerScheduleControls(schedule: Command): void {
  schedule
    .command('pause')
    .description('stop a schedule firing until resumed; jobs it enqueued already are left alone')
    .argument('<id>', 'schedule id or a unique prefix of it')
    .option('--json', 'print the schedule and whether it changed as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const result = await withClient((c) => c.call('schedule.pause', { id: scheduleId(id) }));
      if (opts.json) return printJson(result);
      printLine(result.changed ? `paused ${result.schedule.id}` : `${result.schedule.id} was paused already`);
    });

  schedule
    .command('resume')
    .description('let a paused schedule fire again, from its next slot after now (the slots missed while paused are not fired)')
    .argument('<id>', 'schedule id or a unique prefix of it')
    .option('--json', 'print the schedule and whether it changed as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const result = await withClient((c) => c.call('schedule.resume', { id: scheduleId(id) }));
      if (opts.json) return printJson(result);
      const s = result.schedule;
      printLine(result.changed ? `resumed ${s.id}` : `${s.id} was not paused`);
      if (s.next_at !== null) note(`queuectl: next run ${slotTime(s.next_at, s.tz)}`);
    });

  schedule
    .command('run')
    .description("enqueue one job from a schedule now, outside its slots (also while paused); its next run stays; prints the job's id")
    .argument('<id>', 'schedule id or a unique prefix of it')
    .option('--json', 'print the job and the schedule as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const result = await withClient((c) => c.call('schedule.run_now', { id: scheduleId(id) }));
      if (opts.json) return printJson(result);
      printLine(result.job.id);
      note(`queuectl: enqueued from schedule ${result.schedule.id} (queuectl logs ${result.job.id} --follow)`);
    });
}

/** The id argument, refused when blank. */
export function scheduleId(id: string): string {
  if (id.trim() === '') throw usageError('a schedule id cannot be empty');
  return id;
}
