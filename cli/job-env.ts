import { userInfo } from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { envNameProblem, envProblem, formatUmask } from '../protocol/index.js';
import { usageError } from './errors.js';

/**
 * A job's environment and umask as `enqueue` and `schedule add` capture them (protocol/job-env.ts, docs/jobs.md
 * "Environment and umask"): the whole environment queuectl runs in, or with --no-env the minimal one; --env
 * sets variables on top of either.
 */

/** --env and --no-env as given: the base (minimal or this shell's) and the variables set on top. */
export interface EnvOptions {
  minimal: boolean;
  set: Record<string, string>;
}

/** PATH of the minimal environment. */
export const MINIMAL_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Adds --env NAME=VALUE (repeatable) and --no-env to a command; both land in `opts.env` (EnvOptions). */
export function addEnvOptions(command: Command): Command {
  return command
    .addOption(new Option('--env <NAME=VALUE>', "set a variable in the job's environment, over this shell's (repeatable)").argParser(envOption))
    .addOption(
      new Option('--no-env', `run with the minimal environment (PATH=${MINIMAL_PATH}, HOME, USER, LOGNAME, SHELL=/bin/sh, LANG, LC_ALL and TZ when set) instead of this shell's; --env adds to it`)
        // Commander gives a --no- option's parser no value; it keeps the --env given before it.
        .argParser((_value: unknown, previous: EnvOptions | undefined): EnvOptions => ({ minimal: true, set: previous?.set ?? {} })),
    );
}

/** One --env NAME=VALUE, collected over the earlier ones (a later one for the same name wins). */
function envOption(raw: string, previous: EnvOptions | undefined): EnvOptions {
  const eq = raw.indexOf('=');
  if (eq < 0) throw new InvalidArgumentError(`expected NAME=VALUE, got "${raw}" (to pass this shell's value: --env ${raw}="$${raw}").`);
  const name = raw.slice(0, eq);
  const problem = envNameProblem(name);
  if (problem !== null) throw new InvalidArgumentError(`expected NAME=VALUE: ${problem}.`);
  return { minimal: previous?.minimal ?? false, set: { ...previous?.set, [name]: raw.slice(eq + 1) } };
}

/**
 * The minimal environment: a standard PATH, the account's HOME, USER and LOGNAME, SHELL=/bin/sh, and the
 * locale and zone (LANG, LC_ALL, TZ) when this shell sets them. On Windows the system's own variables.
 */
export function minimalEnvironment(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  const keep = (names: string[]): void => {
    for (const name of names) if (from[name] !== undefined) env[name] = from[name];
  };
  if (process.platform === 'win32') {
    keep(['SystemRoot', 'SystemDrive', 'windir', 'ComSpec', 'PATHEXT', 'TEMP', 'TMP', 'USERPROFILE', 'USERNAME', 'APPDATA', 'LOCALAPPDATA']);
    const root = from.SystemRoot ?? 'C:\\Windows';
    env.Path = `${root}\\System32;${root};${root}\\System32\\Wbem`;
    return env;
  }
  const me = userInfo();
  Object.assign(env, { PATH: MINIMAL_PATH, HOME: me.homedir, USER: me.username, LOGNAME: me.username, SHELL: '/bin/sh' });
  keep(['LANG', 'LC_ALL', 'TZ']);
  return env;
}

/**
 * The environment a job gets from the options: this shell's whole environment, or the minimal one with
 * --no-env, with --env on top. Checked against ENV_LIMITS here, before anything is sent.
 */
export function shellEnvironment(opts: EnvOptions | undefined): Record<string, string> {
  const env = opts?.minimal ? minimalEnvironment() : capturedEnvironment();
  Object.assign(env, opts?.set);
  const problem = envProblem(env);
  if (problem === null) return env;
  if (opts?.minimal) throw usageError(`--env: ${problem}`);
  throw usageError(`this shell's environment cannot be a job's: ${problem}. Run with --no-env (the minimal environment) and pass what the job needs with --env NAME=VALUE`);
}

/**
 * A JSON spec's own "env": the minimal environment plus those variables, then --env (as --no-env --env would);
 * null stays null (the queue's own environment, which --env cannot add to).
 */
export function specEnvironment(value: unknown, opts: EnvOptions | undefined): Record<string, string> | null {
  if (value === null) {
    if (opts !== undefined && Object.keys(opts.set).length > 0) throw usageError('the job spec says "env": null (the queue\'s own environment); --env cannot add to it');
    return null;
  }
  const own = envProblem(value);
  if (own !== null) throw usageError(`the job spec's ${own}`);
  const env = { ...minimalEnvironment(), ...(value as Record<string, string>), ...opts?.set };
  const problem = envProblem(env);
  if (problem !== null) throw usageError(`the job's environment (the minimal one, the spec's "env" and --env): ${problem}`);
  return env;
}

/** This process's environment, variables without a value left out. */
function capturedEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  return env;
}

/**
 * This process's umask as octal text ("0022"): read by setting a value and putting the old one back at once
 * (the only way to read it without Node's deprecation warning; nothing else runs in between).
 */
export function shellUmask(): string {
  if (process.platform === 'win32') return '0022';
  const mask = process.umask(0o022);
  process.umask(mask);
  return formatUmask(mask);
}
