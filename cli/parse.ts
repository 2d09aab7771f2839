import { InvalidArgumentError } from 'commander';
import { JOB_STATES, LIST_SORTS, isJobState, parseDuration, type JobState, type ListSort } from '../protocol/index.js';
import { usageError } from './errors.js';

/** Option parsers for commander: a bad value becomes a usage error (exit 2) that says what is accepted. */
export function integer(min: number, max: number) {
  return (raw: string): number => {
    if (!/^-?\d+$/.test(raw.trim())) throw new InvalidArgumentError(`expected a whole number, got "${raw}".`);
    const n = Number(raw);
    if (n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got ${raw}.`);
    return n;
  };
}

export function duration(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === null) throw new InvalidArgumentError(`expected a duration such as 30s, 10m, 2h or 1h30m, got "${raw}".`);
  return ms;
}

export function state(raw: string): JobState {
  if (!isJobState(raw)) throw new InvalidArgumentError(`unknown state "${raw}"; states are ${JOB_STATES.join(', ')}.`);
  return raw;
}

export function sortField(raw: string): ListSort {
  if (!(LIST_SORTS as readonly string[]).includes(raw)) throw new InvalidArgumentError(`unknown sort "${raw}"; sorts are ${LIST_SORTS.join(', ')}.`);
  return raw as ListSort;
}

export function sortOrder(raw: string): 'asc' | 'desc' {
  if (raw !== 'asc' && raw !== 'desc') throw new InvalidArgumentError(`expected asc or desc, got "${raw}".`);
  return raw;
}

/** Job ids or unique prefixes named on the command line: none empty, each once (first mention kept), at most `max`. */
export function jobIds(raw: readonly string[], max = Infinity): string[] {
  if (raw.some((id) => id.trim() === '')) throw usageError('a job id cannot be empty');
  const ids = [...new Set(raw)];
  if (ids.length > max) throw usageError(`at most ${max} job ids at once, got ${ids.length}; run it several times`);
  return ids;
}
