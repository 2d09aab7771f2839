import type { ResultOf } from '../../../../protocol/index.js';
import type { Settings } from '../../config/settings.js';
import type { EngineContext } from '../../context.js';
import { checkCron, checkTimeZone } from '../../cron/expression.js';
import { validateSpec } from '../../job-spec.js';
import { toSchedule, type StoredJobSpec } from '../../store/schedule-rows.js';
import type { NewSchedule } from '../../store/transitions/schedules.js';
import { onlyFields } from '../only-fields.js';
import { asParams, invalid, type Params } from '../params.js';

const FIELDS = ['cron', 'command', 'tz', 'queue', 'name', 'max_retries', 'priority', 'timeout_ms', 'cwd'] as const;
const JOB_FIELDS = ['command', 'queue', 'name', 'max_retries', 'priority', 'timeout_ms', 'cwd'] as const;

/**
 * Adds a recurring schedule (committed before the answer) and re-arms the cron loop. An identical schedule
 * (same cron, zone and job) is answered instead, with created false; nothing is stored twice.
 */
export function scheduleAdd(ctx: EngineContext, raw: unknown): ResultOf<'schedule.add'> {
  const now = Date.now();
  const { row, created } = ctx.store.addSchedule(checkScheduleAdd(asParams(raw), ctx.settings, now), now);
  const schedule = toSchedule(row);
  if (created) {
    ctx.log(`schedule ${row.id} added: ${JSON.stringify(row.cron)}${row.tz === null ? '' : ` (${row.tz})`} in queue ${schedule.queue}, next at ${schedule.next_at}`);
    ctx.schedulesChanged();
  }
  return { schedule, created };
}

/**
 * The params checked: strict fields, the expression and its zone, and the job fields exactly as an enqueue
 * checks them. Stored is the job as given (StoredJobSpec), so max_retries and timeout_ms left out take the
 * config's value at each firing, where the spec is checked again.
 */
function checkScheduleAdd(p: Params, settings: Settings, now: number): NewSchedule {
  onlyFields(p, 'schedule.add', FIELDS);
  if (p.cron === undefined) throw invalid('cron is required, e.g. "*/5 * * * *" (every five minutes)');
  if (p.command === undefined) throw invalid('command is required');
  const tz = checkTimeZone(p.tz);
  const { cron, slots } = checkCron(p.cron, tz, now);
  const given: Params = {};
  for (const field of JOB_FIELDS) {
    if (p[field] !== undefined && !(field === 'max_retries' && p[field] === null)) given[field] = p[field];
  }
  const job = validateSpec(given, settings, now);
  const spec: StoredJobSpec = {
    command: job.command,
    queue: job.queue,
    ...(job.name === null ? {} : { name: job.name }),
    ...(given.max_retries === undefined ? {} : { max_retries: job.max_retries }),
    priority: job.priority,
    ...(given.timeout_ms === undefined ? {} : { timeout_ms: job.timeout_ms ?? 0 }),
    ...(job.cwd === null ? {} : { cwd: job.cwd }),
  };
  return { cron, tz, spec: JSON.stringify(spec), next_at: slots.nextAfter(now)! };
}
