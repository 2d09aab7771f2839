import { isAbsolute } from 'node:path';
import { JOB_ID_PATTERN, JOB_LIMITS, QueueError } from '../../protocol/index.js';
import type { Settings } from './config/settings.js';
import type { NewJob } from './store/transitions/enqueue.js';

const SPEC_FIELDS = new Set(['id', 'command', 'name', 'max_retries', 'priority', 'timeout_ms', 'cwd']);

/**
 * Checks a JobSpec from the wire field by field and fills in defaults from the settings.
 * Every problem is an INVALID_ARGUMENT that names the field and says what it accepts.
 */
export function validateSpec(raw: unknown, settings: Settings): NewJob {
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
  const timeout = spec.timeout_ms === null ? 0 : optionalInt(spec.timeout_ms, 'timeout_ms', 0, JOB_LIMITS.timeoutMs);
  const timeoutMs = (timeout ?? settings.get('job_timeout_ms')) || null;

  let cwd: string | null = null;
  if (spec.cwd !== undefined && spec.cwd !== null) {
    if (typeof spec.cwd !== 'string' || !isAbsolute(spec.cwd)) bad('cwd must be an absolute path');
    cwd = spec.cwd;
  }

  return { id, name, command, max_retries: maxRetries, priority, timeout_ms: timeoutMs, cwd };
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
