import { InvalidArgumentError } from 'commander';
import type { Job } from '../protocol/index.js';
import { printJson, printLine } from './output.js';

/**
 * `list --fields id,state,command`: output for scripts. One job per line, the chosen fields separated by
 * tabs, a header line with the field names first (unless --no-header). Values are raw: ISO timestamps,
 * plain numbers, '' for null; a tab, line break or backslash inside a value is written \t, \n, \r or \\, so
 * every job is exactly one line. With --json the same fields as JSON objects instead.
 */

/** Every field of a job. A Record so that a field added to Job and not here fails the type check. */
const FIELDS: Record<keyof Job, true> = {
  id: true,
  name: true,
  command: true,
  state: true,
  attempts: true,
  max_retries: true,
  priority: true,
  timeout_ms: true,
  cwd: true,
  run_at: true,
  created_at: true,
  updated_at: true,
  started_at: true,
  finished_at: true,
  exit_code: true,
  last_error: true,
  last_line: true,
  worker_id: true,
  umask: true,
  log_path: true,
  queue: true,
  depends_on: true,
  waiting_on: true,
  schedule_id: true,
  notify: true,
  keep_children: true,
};

export type JobField = keyof Job;

/** The field names, in the order of `list --json`. */
export const JOB_FIELDS = Object.keys(FIELDS) as JobField[];

const isField = (name: string): name is JobField => Object.hasOwn(FIELDS, name);

/** Option parser for --fields: a comma-separated list of job fields (spaces around names allowed). */
export function parseFields(raw: string): JobField[] {
  const names = raw.split(',').map((n) => n.trim());
  if (names.every((n) => n === '')) throw new InvalidArgumentError(`give at least one field, e.g. id,state,command; fields are ${JOB_FIELDS.join(', ')}.`);
  const bad = names.find((n) => !isField(n.toLowerCase()));
  if (bad !== undefined) {
    throw new InvalidArgumentError(bad === '' ? `an empty field name in "${raw}"; separate fields with single commas.` : `unknown field "${bad}"; fields are ${JOB_FIELDS.join(', ')}.`);
  }
  return names.map((n) => n.toLowerCase() as JobField);
}

/** One value as it goes into a tab-separated line. */
export function tsvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Prints the jobs' chosen fields: TSV (with a header line unless `header` is false), or JSON objects. */
export function printFields(jobs: readonly Job[], fields: readonly JobField[], opts: { header: boolean; json: boolean }): void {
  if (opts.json) {
    printJson(jobs.map((job) => Object.fromEntries(fields.map((f) => [f, job[f]]))));
    return;
  }
  if (opts.header) printLine(fields.join('\t'));
  for (const job of jobs) printLine(fields.map((f) => tsvValue(job[f])).join('\t'));
}
