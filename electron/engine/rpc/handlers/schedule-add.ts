import { DEFAULT_UMASK, QueueError, SCHEDULE_OVERLAPS, type ResultOf, type ScheduleOverlap } from '../../../../protocol/index.js';
import type { Settings } from '../../config/settings.js';
import type { EngineContext } from '../../context.js';
import { checkCron, checkTimeZone, sameCron } from '../../cron/expression.js';
import { checkEnv, checkUmask, validateSpec } from '../../job-spec.js';
import { toSchedule, type StoredJobSpec } from '../../store/schedule-rows.js';
import type { NewSchedule } from '../../store/transitions/schedules.js';
import { onlyFields } from '../only-fields.js';
import { asParams, invalid, type Params } from '../params.js';

const FIELDS = ['cron', 'command', 'tz', 'queue', 'name', 'max_retries', 'priority', 'timeout_ms', 'cwd', 'overlap', 'env', 'umask'] as const;
const JOB_FIELDS = ['command', 'queue', 'name', 'max_retries', 'priority', 'timeout_ms', 'cwd'] as const;

/**
 * Adds a recurring schedule (committed before the answer, with its queue's row) and re-arms the cron loop.
 * An identical schedule (same cron, zone, job and overlap) is answered instead, with created false; nothing
 * is stored twice. Refused (SHUTTING_DOWN) once a graceful stop began: the cron loop has stopped already.
 */
export function scheduleAdd(ctx: EngineContext, raw: unknown): ResultOf<'schedule.add'> {
  if (ctx.stopping()) throw new QueueError('SHUTTING_DOWN', 'the daemon is stopping; the schedule was not added. Add it again once the daemon runs');
  const now = Date.now();
  const { row, created, queueCreated } = ctx.store.addSchedule(checkScheduleAdd(asParams(raw), ctx.settings, now), now);
  const schedule = toSchedule(row);
  if (queueCreated) ctx.queuesChanged();
  if (created) {
    ctx.log(
      `schedule ${row.id} added: ${JSON.stringify(row.cron)}${row.tz === null ? '' : ` (${row.tz})`} in queue ${schedule.queue}, overlap ${row.overlap}, next at ${schedule.next_at}`,
    );
    ctx.schedulesChanged();
  }
  return { schedule, created };
}

/**
 * The params checked: strict fields, the expression and its zone, the overlap policy, and the job fields
 * exactly as an enqueue checks them. Stored is the job as given (StoredJobSpec), so max_retries and timeout_ms
 * left out take the config's value at each firing, where the spec is checked again. The environment and umask
 * are stored beside the spec (not part of what makes two schedules identical).
 */
function checkScheduleAdd(p: Params, settings: Settings, now: number): NewSchedule {
  onlyFields(p, 'schedule.add', FIELDS);
  if (p.cron === undefined) throw invalid('cron is required, e.g. "*/5 * * * *" (every five minutes)');
  if (p.command === undefined) throw invalid('command is required');
  const tz = checkTimeZone(p.tz);
  const { cron, slots } = checkCron(p.cron, tz, now);
  const overlap = checkOverlap(p.overlap);
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
  const env = p.env === undefined ? null : checkEnv(p.env);
  const umask = p.umask === undefined ? DEFAULT_UMASK : checkUmask(p.umask);
  return { cron, sameAs: sameCron(cron), tz, spec: JSON.stringify(spec), queue: job.queue, overlap, next_at: slots.nextAfter(now)!, env, umask };
}

function checkOverlap(value: unknown): ScheduleOverlap {
  if (value === undefined || value === null) return 'skip';
  if (typeof value !== 'string' || !(SCHEDULE_OVERLAPS as readonly string[]).includes(value)) {
    throw invalid(`overlap must be ${SCHEDULE_OVERLAPS.map((o) => `"${o}"`).join(' or ')} (what a slot does while the previous job has not ended); got ${JSON.stringify(value)}`);
  }
  return value as ScheduleOverlap;
}
