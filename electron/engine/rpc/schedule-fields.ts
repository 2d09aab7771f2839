import { DEFAULT_UMASK, SCHEDULE_OVERLAPS, formatUmask, type ScheduleOverlap } from '../../../protocol/index.js';
import type { Settings } from '../config/settings.js';
import { checkCron, checkTimeZone, sameCron, type CronSlots } from '../cron/expression.js';
import { checkEnv, checkUmask, validateSpec } from '../job-spec.js';
import type { ScheduleRow, StoredJobSpec } from '../store/schedule-rows.js';
import type { StoredEnv } from '../store/transitions/enqueue.js';
import { invalid, type Params } from './params.js';

/** The fields of `schedule.add`, and of `schedule.edit` besides its id. */
export const SCHEDULE_FIELDS = ['cron', 'command', 'tz', 'queue', 'name', 'max_retries', 'priority', 'timeout_ms', 'cwd', 'overlap', 'env', 'umask'] as const;
const JOB_FIELDS = ['command', 'queue', 'name', 'max_retries', 'priority', 'timeout_ms', 'cwd'] as const;

/** A schedule's fields checked: what the store keeps, and the slots of its expression. */
export interface CheckedSchedule {
  /** Normalised. */
  cron: string;
  /** The other spellings that read the same (an identical schedule written either way is the same one). */
  sameAs: string[];
  tz: string | null;
  slots: CronSlots;
  /** JSON of the StoredJobSpec. */
  spec: string;
  queue: string;
  overlap: ScheduleOverlap;
  /** Absent when not given; null: the queue's own environment. */
  env?: StoredEnv | null;
  umask: number;
}

/**
 * One check for add and edit: the expression in its zone (refused when it never fires), the overlap policy,
 * and the job fields exactly as an enqueue checks them. Stored is the job as given (StoredJobSpec), so
 * max_retries and timeout_ms left out take the config's value at each firing, where the spec is checked again.
 */
export function checkScheduleFields(p: Params, settings: Settings, now: number): CheckedSchedule {
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
  return {
    cron,
    sameAs: sameCron(cron),
    tz,
    slots,
    spec: JSON.stringify(spec),
    queue: job.queue,
    overlap,
    ...(p.env === undefined ? {} : { env: checkEnv(p.env) }),
    umask: p.umask === undefined ? DEFAULT_UMASK : checkUmask(p.umask),
  };
}

/** A stored schedule as the params that would add it again (without its environment, which edit keeps). */
export function storedFields(row: ScheduleRow): Params {
  const spec = JSON.parse(row.spec) as StoredJobSpec;
  return { ...spec, cron: row.cron, tz: row.tz, overlap: row.overlap, umask: formatUmask(row.umask) };
}

function checkOverlap(value: unknown): ScheduleOverlap {
  if (value === undefined || value === null) return 'skip';
  if (typeof value !== 'string' || !(SCHEDULE_OVERLAPS as readonly string[]).includes(value)) {
    throw invalid(`overlap must be ${SCHEDULE_OVERLAPS.map((o) => `"${o}"`).join(' or ')} (what a slot does while the previous job has not ended); got ${JSON.stringify(value)}`);
  }
  return value as ScheduleOverlap;
}
