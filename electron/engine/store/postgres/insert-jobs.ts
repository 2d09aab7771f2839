import { DEFAULT_UMASK } from '../../../../protocol/index.js';
import type { NewJob } from '../transitions/enqueue.js';
import { at } from './db.js';

/** A new job's parents as stored: the ids, how many have not completed, the first that is dead or canceled. */
export interface Parents {
  ids: readonly string[];
  waiting: number;
  ended: { id: string; state: 'dead' | 'canceled' } | null;
}

export const NO_PARENTS: Parents = { ids: [], waiting: 0, ended: null };

/** A row to insert: the job, the id it is tried under, its parents as stored, its environment's row id. */
export interface NewRow {
  id: string;
  job: NewJob;
  parents: Parents;
  env: number | null;
}

type Value = string | number | boolean | null;

/**
 * The columns an insert fills besides `id` and `state`: the SQL type each is sent as and its value for a row.
 * Times are epoch ms here and go to the server as Dates (pg writes those to the millisecond).
 */
const COLUMNS: ReadonlyArray<{ name: string; type: string; time?: true; of: (row: NewRow, now: number) => Value }> = [
  { name: 'name', type: 'text', of: (r) => r.job.name },
  { name: 'command', type: 'text', of: (r) => r.job.command },
  { name: 'max_retries', type: 'int', of: (r) => r.job.max_retries },
  { name: 'priority', type: 'int', of: (r) => r.job.priority },
  { name: 'timeout_ms', type: 'bigint', of: (r) => r.job.timeout_ms },
  { name: 'cwd', type: 'text', of: (r) => r.job.cwd },
  { name: 'run_at', type: 'timestamptz', time: true, of: (r, now) => Math.max(now, r.job.run_at ?? now) },
  { name: 'created_at', type: 'timestamptz', time: true, of: (_, now) => now },
  { name: 'updated_at', type: 'timestamptz', time: true, of: (_, now) => now },
  { name: 'queue', type: 'text', of: (r) => r.job.queue },
  { name: 'schedule_id', type: 'text', of: (r) => r.job.schedule?.id ?? null },
  { name: 'scheduled_for', type: 'timestamptz', time: true, of: (r) => r.job.schedule?.slot ?? null },
  { name: 'depends_on', type: 'text', of: (r) => (r.parents.ids.length === 0 ? null : JSON.stringify(r.parents.ids)) },
  { name: 'waiting_on', type: 'int', of: (r) => r.parents.waiting },
  { name: 'env_id', type: 'bigint', of: (r) => r.env },
  { name: 'umask', type: 'int', of: (r) => r.job.umask ?? DEFAULT_UMASK },
  { name: 'notify', type: 'boolean', of: (r) => r.job.notify === true },
  { name: 'keep_children', type: 'boolean', of: (r) => r.job.keep_children === true },
];

const asParam = (value: Value, time: boolean | undefined): unknown => (time && value !== null ? at(value as number) : value);

/**
 * One INSERT of `batch` (the caller may add ON CONFLICT and RETURNING): the ids as an array ($1) unnested
 * into rows, every other column as one value when all rows share it (a batch mostly has one queue, one
 * environment, one time), else as an array too. Every column as an array was most of the daemon's work on a
 * big batch: pg writing 20 arrays of 10,000 values as text (the Dates slowest), and the garbage.
 */
export function insertJobs(batch: readonly NewRow[], now: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [batch.map((r) => r.id)];
  const arrays = ['$1::text[]'];
  const names = ['id', 'state'];
  const values = ['u.c0', `'pending'`];
  for (const { name, type, time, of } of COLUMNS) {
    names.push(name);
    const first = of(batch[0]!, now);
    let same = 1;
    while (same < batch.length && of(batch[same]!, now) === first) same++;
    if (same === batch.length) {
      values.push(`$${params.push(asParam(first, time))}::${type}`);
    } else {
      arrays.push(`$${params.push(batch.map((r) => asParam(of(r, now), time)))}::${type}[]`);
      values.push(`u.c${arrays.length - 1}`);
    }
  }
  const sql = `INSERT INTO queuectl.jobs (${names.join(', ')})
    SELECT ${values.join(', ')} FROM unnest(${arrays.join(', ')}) AS u(${arrays.map((_, i) => `c${i}`).join(', ')})`;
  return { sql, params };
}
