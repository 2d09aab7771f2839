import { InvalidArgumentError } from 'commander';
import { JOB_STATES, isJobState, parseDuration, type JobState } from '../protocol/index.js';

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
