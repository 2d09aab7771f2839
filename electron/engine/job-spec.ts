import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import {
  DEFAULT_QUEUE, DEFAULT_UMASK, JOB_ID_PATTERN, JOB_LIMITS, QUEUE_NAME_PATTERN, QueueError, envProblem, parseIsoTime, parseUmask, umaskProblem,
} from '../../protocol/index.js';
import type { Settings } from './config/settings.js';
import type { NewJob, StoredEnv } from './store/transitions/enqueue.js';

const SPEC_FIELDS = new Set(['id', 'command', 'name', 'max_retries', 'priority', 'timeout_ms', 'timeout', 'cwd', 'run_at', 'queue', 'after', 'env', 'umask', 'notify', 'keep_children']);

/** What a spec without `env` or `umask` gets: enqueue.batch's own, checked once for the whole batch. */
export interface SpecDefaults {
  env?: StoredEnv | null;
  umask?: number;
}

/**
 * Checks a JobSpec from the wire field by field and fills in defaults from the settings.
 * Every problem is an INVALID_ARGUMENT that names the field and says what it accepts. `after` comes back as
 * the references given (resolveParents in rpc/parents.ts turns them into ids before the job is stored).
 * `now` is what run_at is checked against (a parameter so tests control the clock).
 */
export function validateSpec(raw: unknown, settings: Settings, now: number = Date.now(), defaults: SpecDefaults = {}): NewJob {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('job must be an object with at least a "command"');
  const spec = raw as Record<string, unknown>;
  for (const key of Object.keys(spec)) {
    if (!SPEC_FIELDS.has(key)) bad(`unknown job field "${key}"; accepted: ${[...SPEC_FIELDS].join(', ')}`);
  }

  const command = spec.command;
  if (typeof command !== 'string') bad('command must be a string');
  if (command.trim() === '') bad('command must not be empty');
  if (command.includes('\0')) bad('command must not contain NUL bytes');
  const bytes = Buffer.byteLength(command);
  if (bytes > JOB_LIMITS.commandBytes) bad(`command is ${bytes} bytes; the limit is ${JOB_LIMITS.commandBytes} (put long scripts in a file)`);

  let id: string | null = null;
  if (spec.id !== undefined && spec.id !== null) {
    if (typeof spec.id !== 'string' || !JOB_ID_PATTERN.test(spec.id)) {
      bad('id must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
    }
    id = spec.id;
  }

  let name: string | null = null;
  if (spec.name !== undefined && spec.name !== null) {
    if (typeof spec.name !== 'string') bad('name must be a string');
    if (spec.name.length > JOB_LIMITS.nameLength) bad(`name must be at most ${JOB_LIMITS.nameLength} characters`);
    name = spec.name === '' ? null : spec.name;
  }

  const maxRetries = optionalInt(spec.max_retries, 'max_retries', 0, JOB_LIMITS.maxRetries) ?? settings.get('max_retries');
  const priority = optionalInt(spec.priority, 'priority', -JOB_LIMITS.priority, JOB_LIMITS.priority) ?? 0;
  const timeoutMs = (jobTimeout(spec) ?? settings.get('job_timeout_ms')) || null;

  let cwd: string | null = null;
  if (spec.cwd !== undefined && spec.cwd !== null) {
    if (typeof spec.cwd !== 'string' || !isAbsolute(spec.cwd)) bad('cwd must be an absolute path');
    if (!isDirectory(spec.cwd, now)) bad(`cwd ${JSON.stringify(spec.cwd)} is not an existing directory`);
    cwd = spec.cwd;
  }

  const runAt = spec.run_at === undefined || spec.run_at === null ? null : checkRunAt(spec.run_at, now);

  const queue = spec.queue === undefined || spec.queue === null ? DEFAULT_QUEUE : checkQueueName(spec.queue, 'queue');

  const after = spec.after === undefined || spec.after === null ? [] : checkAfter(spec.after);

  const env = spec.env === undefined ? (defaults.env ?? null) : checkEnv(spec.env);
  const umask = spec.umask === undefined ? (defaults.umask ?? DEFAULT_UMASK) : checkUmask(spec.umask);

  if (spec.notify !== undefined && spec.notify !== null && typeof spec.notify !== 'boolean') bad(`notify must be true or false; got ${JSON.stringify(spec.notify)}`);
  const notify = spec.notify === true;
  if (spec.keep_children !== undefined && spec.keep_children !== null && typeof spec.keep_children !== 'boolean') {
    bad(`keep_children must be true or false; got ${JSON.stringify(spec.keep_children)}`);
  }
  const keepChildren = spec.keep_children === true;

  return { id, name, command, max_retries: maxRetries, priority, timeout_ms: timeoutMs, cwd, run_at: runAt, queue, after, env, umask, notify, keep_children: keepChildren };
}

/**
 * A job's environment from the wire (JobSpec.env, enqueue.batch's or schedule.add's `env`): null for the
 * queue's own, else checked against ENV_LIMITS (protocol/job-env.ts) and made ready to store.
 */
export function checkEnv(value: unknown, field = 'env'): StoredEnv | null {
  const problem = envProblem(value, field);
  if (problem !== null) bad(problem);
  return value === null ? null : storedEnv(value as Record<string, string>);
}

/** Canonical JSON (keys sorted, so the same variables are the same row) and its SHA-256. */
export function storedEnv(vars: Record<string, string>): StoredEnv {
  const json = JSON.stringify(Object.fromEntries(Object.keys(vars).sort().map((name) => [name, vars[name]])));
  return { vars: json, digest: createHash('sha256').update(json).digest('hex') };
}

/** A umask from the wire ("0022") as its value. */
export function checkUmask(value: unknown, field = 'umask'): number {
  const mask = parseUmask(value);
  if (mask === null) bad(umaskProblem(value, field)!);
  return mask;
}

/**
 * `after` as given: a list of job ids or unique prefixes, each once (duplicates dropped, order kept), at most
 * JOB_LIMITS.maxParents. They stay references here; rpc/parents.ts resolves them against the store.
 */
function checkAfter(value: unknown): string[] {
  if (!Array.isArray(value)) bad(`after must be a list of job ids (parents), e.g. ["a1b2c3d4"]; got ${JSON.stringify(value)}`);
  const refs = new Set<string>();
  for (const [index, ref] of value.entries()) {
    if (typeof ref !== 'string' || !JOB_ID_PATTERN.test(ref)) {
      bad(`after[${index}] must be a job id or unique prefix (letters, digits, ".", "_", "-"); got ${JSON.stringify(ref)}`);
    }
    refs.add(ref);
  }
  if (refs.size > JOB_LIMITS.maxParents) bad(`after names ${refs.size} jobs; a job may wait for at most ${JOB_LIMITS.maxParents} parents`);
  return [...refs];
}

/** The last directory found to exist and when, so a batch of jobs in one directory costs one stat. */
let knownDir: { path: string; at: number } | null = null;

/**
 * A typo in cwd is refused at enqueue rather than failing every run. (The directory can still vanish
 * before the job runs; the run then fails saying so.)
 */
function isDirectory(path: string, now: number): boolean {
  if (knownDir !== null && knownDir.path === path && Math.abs(now - knownDir.at) < 1000) return true;
  try {
    if (!statSync(path).isDirectory()) return false;
  } catch {
    return false;
  }
  knownDir = { path, at: now };
  return true;
}

/** A queue name from the wire: QUEUE_NAME_PATTERN, or INVALID_ARGUMENT naming `field`. */
export function checkQueueName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !QUEUE_NAME_PATTERN.test(value)) {
    bad(`${field} must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit; got ${JSON.stringify(value)}`);
  }
  return value;
}

const RUN_AT_EXAMPLE = 'e.g. "2030-06-01T14:00:00Z" or "2030-06-01T16:00:00+02:00"';

/** run_at: a real time, not before now (beyond a moment's grace), not more than JOB_LIMITS.runAtAheadMs ahead. */
function checkRunAt(value: unknown, now: number): number {
  if (typeof value !== 'string') bad(`run_at must be an ISO 8601 time with a time zone, ${RUN_AT_EXAMPLE}; got ${JSON.stringify(value)}`);
  const at = parseIsoTime(value, 'required');
  if (at === null) bad(`run_at must be an ISO 8601 time with a time zone, ${RUN_AT_EXAMPLE}; got ${JSON.stringify(value)}`);
  if (at < now - JOB_LIMITS.runAtPastMs) {
    bad(`run_at ${JSON.stringify(value)} is in the past (it is now ${new Date(now).toISOString()}); give a future time, or leave run_at out to run as soon as possible`);
  }
  if (at - now > JOB_LIMITS.runAtAheadMs) {
    bad(`run_at ${JSON.stringify(value)} is more than ${JOB_LIMITS.runAtAheadMs / 86_400_000} days ahead; that is the furthest a job can be scheduled`);
  }
  return at;
}

/** `timeout_ms`, or `timeout` in seconds (fractions allowed, rounded to ms); null either way means none (0). */
function jobTimeout(spec: Record<string, unknown>): number | undefined {
  if (spec.timeout !== undefined && spec.timeout_ms !== undefined) bad('give timeout (seconds) or timeout_ms, not both');
  if (spec.timeout_ms === null || spec.timeout === null) return 0;
  if (spec.timeout === undefined) return optionalInt(spec.timeout_ms, 'timeout_ms', 0, JOB_LIMITS.timeoutMs);
  const max = JOB_LIMITS.timeoutMs / 1000;
  if (typeof spec.timeout !== 'number' || !Number.isFinite(spec.timeout)) bad(`timeout must be a number of seconds, got ${JSON.stringify(spec.timeout)}`);
  if (spec.timeout < 0 || spec.timeout > max) bad(`timeout must be between 0 and ${max} seconds, got ${spec.timeout}`);
  return Math.round(spec.timeout * 1000);
}

function optionalInt(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) bad(`${field} must be a whole number, got ${JSON.stringify(value)}`);
  if (value < min || value > max) bad(`${field} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bad(message: string): never {
  throw new QueueError('INVALID_ARGUMENT', message);
}
