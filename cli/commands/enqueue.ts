import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { JOB_ID_PATTERN, JOB_LIMITS, QUEUE_NAME_PATTERN, parseIsoTime, umaskProblem, type Job, type JobSpec } from '../../protocol/index.js';
import { describeForwardReference, findForwardReference } from '../../protocol/dependencies.js';
import { withClient, withDaemon, type QueueCaller } from '../client.js';
import { readStdinSpecs, sendInBatches } from './enqueue-stdin.js';
import { FOLLOW_EXIT_HELP, waitForJobs } from './wait.js';
import { usageError } from '../errors.js';
import { followLog } from '../follow-log.js';
import { addEnvOptions, shellEnvironment, shellUmask, specEnvironment, type EnvOptions } from '../job-env.js';
import { localTime } from '../format.js';
import { note, printJson, printLine } from '../output.js';
import { duration, integer } from '../parse.js';

interface EnqueueOptions {
  retries?: number;
  priority?: number;
  timeout?: number;
  name?: string;
  cwd?: string;
  json?: boolean;
  stdin?: boolean;
  wait?: boolean;
  waitTimeout?: number;
  follow?: boolean;
  delay?: number;
  /** --run-at as epoch ms (parsed; checked against the clock in the action). */
  runAt?: number;
  /** --after, each given once or more (ids or unique prefixes of parents); commander leaves it out when none is given, the action fills in []. */
  after: string[];
  queue?: string;
  /** --notify: the desktop app announces the job's end. */
  notify?: boolean;
  /** --keep-children: processes the job leaves running are not killed when it ends. */
  keepChildren?: boolean;
  /** --env and --no-env. */
  env?: EnvOptions;
}

/** Fields other queuectl implementations put in a job spec that describe a fresh job; accepted and checked. */
const FRESH_JOB_FIELDS: Record<string, (v: unknown) => boolean> = {
  state: (v) => v === 'pending',
  attempts: (v) => v === 0,
  created_at: (v) => typeof v === 'string',
  updated_at: (v) => typeof v === 'string',
};

export function registerEnqueue(program: Command): void {
  const command = program
    .command('enqueue')
    .description('add a job: a shell command, or a JSON job spec such as \'{"id":"job1","command":"sleep 2","max_retries":3}\'')
    .argument('[command...]', 'the command (quote it), or a JSON job spec')
    .option('--retries <n>', 'retries after the first run (default: config max_retries)', integer(0, 1000))
    .option('--priority <n>', 'higher runs sooner (default 0)', integer(-1_000_000, 1_000_000))
    .option('--timeout <duration>', 'kill the job and its processes after this long (e.g. 30s, 10m)', duration)
    .option('--name <text>', 'a label for the job')
    .option('--cwd <dir>', 'working directory (default: the current directory)')
    .option('--delay <duration>', 'do not start it before this long from now (e.g. 30s, 10m, 2h, 1d; at most 365d)', duration)
    .option('--run-at <time>', 'do not start it before this time: ISO 8601, local time unless it ends in Z or an offset (e.g. 2030-06-01T14:00)', runAtOption)
    .option('--after <id>', `start only once this job completed; repeat for several parents (at most ${JOB_LIMITS.maxParents}). If a parent ends dead or canceled, this job is canceled`, parentOption)
    .option('--queue <name>', 'run it in this named queue (default: "default"); see queuectl queue', queueOption)
    .option('--notify', 'the desktop app shows a notification when the job ends (completed or dead), with its duration and exit code')
    .option('--keep-children', 'leave running the processes the job starts and leaves behind when it ends (a service); by default every one is killed');
  addEnvOptions(command)
    .option('--stdin', 'read many jobs from stdin, one command or JSON job spec per line; prints one id per line')
    .option('--json', 'print the new job as JSON (with --stdin: the list of ids; with --wait: what wait --json prints)')
    .option('--wait', 'then wait until the job (with --stdin: every job) has ended, as queuectl wait does, and exit with its exit code')
    .option('--wait-timeout <duration>', 'with --wait: give up waiting after this long (exit 124); the job goes on', duration)
    .option('--follow', "then print the job's output as it is written until it ends, and exit with its exit code (the id goes to stderr)")
    .addHelpText('after', `\nWith --wait the exit codes are those of queuectl wait for one job (queuectl wait --help);\n--wait-timeout passing first is 124.\n${FOLLOW_EXIT_HELP}`)
    .action(async (words: string[], opts: EnqueueOptions) => {
      checkWaitOptions(opts);
      opts.after = [...new Set(opts.after ?? [])];
      if (opts.after.length > JOB_LIMITS.maxParents) throw usageError(`--after names ${opts.after.length} jobs; a job may wait for at most ${JOB_LIMITS.maxParents} parents`);
      const runAt = startTime(opts, Date.now());
      if (runAt !== undefined) opts.runAt = runAt;
      if (opts.stdin) return enqueueFromStdin(words, opts);
      if (words.length === 0) throw usageError("missing the command, e.g. queuectl enqueue \"make test\" (or --stdin)");
      const spec = buildSpec(words.join(' '), opts, true);
      if (opts.follow) {
        await withDaemon('enqueue --follow', async (c) => {
          const { job } = await c.call('enqueue', { job: spec });
          note(`enqueued ${job.id}`);
          warnIfCanceled(job);
          process.exitCode = await followLog(c, job, 0);
        });
        return;
      }
      if (opts.wait) {
        const deadline = opts.waitTimeout === undefined ? null : Date.now() + opts.waitTimeout;
        await withDaemon('enqueue --wait', (c) =>
          waitForJobs(
            c,
            async (waiter) => {
              // Subscribed first: whatever the job does from now on is heard.
              const { job } = await c.call('enqueue', { job: spec });
              if (!opts.json) printLine(job.id);
              warnIfCanceled(job);
              waiter.addJob(job);
            },
            { json: opts.json, deadline, timeoutMs: opts.waitTimeout },
          ),
        );
        return;
      }
      const { job } = await withClient((c) => c.call('enqueue', { job: spec }));
      if (opts.json) printJson(job);
      else printLine(job.id);
      warnIfCanceled(job);
    });
}

/** `enqueue --stdin` names at most this many jobs stored canceled, then counts the rest. */
const MAX_CANCELED_WARNINGS = 20;

/**
 * A job stored canceled because a parent was already dead or canceled: it exists (exit 0), but will not run
 * until that parent is retried with its dependents; said on stderr.
 */
function warnIfCanceled(job: Job): void {
  if (job.state !== 'canceled') return;
  warnCanceledAtEnqueue(job.id, job.last_error ?? 'canceled');
}

/** The warning for one job stored canceled; `error` is its last_error ("canceled: parent x is dead"). */
export function warnCanceledAtEnqueue(id: string, error: string): void {
  const why = error.replace(/^canceled: /, '');
  note(`queuectl: warning: job ${id} was canceled at once: ${why}; retry that parent with --with-dependents to run both`);
}

/** --after: a job id or unique prefix; repeated, they collect. */
function parentOption(raw: string, previous: string[] | undefined): string[] {
  if (!JOB_ID_PATTERN.test(raw)) throw new InvalidArgumentError(`expected a job id or unique prefix (letters, digits, ".", "_", "-"), got "${raw}".`);
  return [...(previous ?? []), raw];
}

function queueOption(raw: string): string {
  if (!QUEUE_NAME_PATTERN.test(raw)) {
    throw new InvalidArgumentError(`expected a queue name: 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit; got "${raw}".`);
  }
  return raw;
}

/** --wait, --wait-timeout and --follow: which go together (checked before anything is enqueued). */
function checkWaitOptions(opts: EnqueueOptions): void {
  if (opts.follow && opts.stdin) throw usageError('--follow follows one job; with --stdin use --wait');
  if (opts.follow && opts.json) throw usageError('--follow prints the job\'s output, not JSON; use --wait --json for the result as JSON');
  if (opts.waitTimeout !== undefined && !opts.wait) throw usageError('--wait-timeout goes with --wait');
  if (opts.waitTimeout !== undefined && opts.follow) throw usageError('--wait-timeout goes with --wait, not --follow');
}

async function enqueueFromStdin(words: string[], opts: EnqueueOptions): Promise<void> {
  if (words.length > 0) throw usageError('give either a command or --stdin, not both');
  const lines: number[] = [];
  const specs = await readStdinSpecs((text, line) => {
    lines.push(line);
    return buildSpec(text, opts, false);
  });
  checkOrder(specs, lines);
  // This shell's environment and umask go once per batch, for the lines without their own.
  const shared = {
    ...(specs.some((spec) => !Object.hasOwn(spec, 'env')) ? { env: shellEnvironment(opts.env) } : {}),
    umask: shellUmask(),
  };
  const all: string[] = [];
  let canceledCount = 0;
  const send = async (client: QueueCaller) => {
    await sendInBatches(client, specs, lines, shared, (ids, canceled) => {
      all.push(...ids);
      if (!opts.json) process.stdout.write(ids.join('\n') + '\n');
      for (const { id, error } of canceled) if (canceledCount++ < MAX_CANCELED_WARNINGS) warnCanceledAtEnqueue(id, error);
    });
    if (canceledCount > MAX_CANCELED_WARNINGS) note(`queuectl: warning: … and ${canceledCount - MAX_CANCELED_WARNINGS} more jobs were canceled at once (${canceledCount} in all)`);
  };
  if (opts.wait) {
    const deadline = opts.waitTimeout === undefined ? null : Date.now() + opts.waitTimeout;
    await withDaemon('enqueue --wait', (c) =>
      waitForJobs(
        c,
        async (waiter) => {
          const since = Date.now();
          await send(c);
          waiter.addEnqueued(all, since);
        },
        { json: opts.json, deadline, timeoutMs: opts.waitTimeout },
      ),
    );
    return;
  }
  await withClient(send);
  if (opts.json) printJson(all);
}

/**
 * Parents must come before the jobs that wait for them: checked here as well as by the daemon, because the
 * lines may go in several batches and a later batch's refusal would leave the earlier ones enqueued.
 */
function checkOrder(specs: JobSpec[], lines: number[]): void {
  const wrong = findForwardReference(specs);
  if (wrong === null) return;
  throw usageError(`line ${lines[wrong.index]}: ${describeForwardReference(wrong, (index) => `line ${lines[index]}`)} (nothing was enqueued)`);
}

/**
 * The JobSpec of one command or JSON spec with the options applied. A JSON spec's own "env" is the minimal
 * environment plus its variables (specEnvironment); without one the job gets this shell's (or --no-env's),
 * here when `own` (one job), else once for the whole batch (enqueue.batch's env). The same for umask.
 */
function buildSpec(text: string, opts: EnqueueOptions, own: boolean): JobSpec {
  const spec: JobSpec = text.trimStart().startsWith('{') ? parseSpec(text) : { command: text };
  if (spec.command.trim() === '') throw usageError('the command is empty; give a shell command, e.g. queuectl enqueue "make test"');
  if (spec.command.includes('\uFFFD')) throw usageError('the command is not valid UTF-8');
  if (opts.retries !== undefined) spec.max_retries = opts.retries;
  if (opts.priority !== undefined) spec.priority = opts.priority;
  if (opts.timeout !== undefined) {
    // --timeout wins over the spec's own, in either of its units.
    delete spec.timeout;
    spec.timeout_ms = opts.timeout;
  }
  if (opts.name !== undefined) spec.name = opts.name;
  if (opts.cwd !== undefined) spec.cwd = resolve(opts.cwd);
  else if (spec.cwd === undefined) spec.cwd = process.cwd();
  if (opts.runAt !== undefined) spec.run_at = new Date(opts.runAt).toISOString();
  if (opts.queue !== undefined) spec.queue = opts.queue;
  if (opts.notify) spec.notify = true;
  if (opts.keepChildren) spec.keep_children = true;
  // A spec's own `after` that is not a list is left for the daemon to refuse with its message.
  if (opts.after.length > 0 && (spec.after === undefined || Array.isArray(spec.after))) spec.after = [...new Set([...(spec.after ?? []), ...opts.after])];
  if (Object.hasOwn(spec, 'env')) spec.env = specEnvironment(spec.env, opts.env);
  else if (own) spec.env = shellEnvironment(opts.env);
  if (spec.umask !== undefined) {
    const problem = umaskProblem(spec.umask);
    if (problem !== null) throw usageError(`the job spec's ${problem}`);
  } else if (own) spec.umask = shellUmask();
  return spec;
}

/**
 * --delay or --run-at as the time the job may start (epoch ms), undefined without either. Refused: both
 * at once, a time more than a minute past (JOB_LIMITS.runAtPastMs: a time written a moment ago is "now"),
 * and anything more than 365 days ahead. The daemon checks the same again.
 */
function startTime(opts: EnqueueOptions, now: number): number | undefined {
  if (opts.delay !== undefined && opts.runAt !== undefined) throw usageError('give --delay or --run-at, not both');
  const aheadDays = JOB_LIMITS.runAtAheadMs / 86_400_000;
  if (opts.delay !== undefined) {
    if (opts.delay > JOB_LIMITS.runAtAheadMs) throw usageError(`--delay may be at most ${aheadDays} days (${aheadDays}d)`);
    return now + opts.delay;
  }
  if (opts.runAt === undefined) return undefined;
  if (opts.runAt < now - JOB_LIMITS.runAtPastMs) {
    throw usageError(`--run-at ${localTime(new Date(opts.runAt).toISOString())} is in the past (it is now ${localTime(new Date(now).toISOString())}, local time); give a future time, or --delay`);
  }
  if (opts.runAt - now > JOB_LIMITS.runAtAheadMs) throw usageError(`--run-at may be at most ${aheadDays} days ahead`);
  return opts.runAt;
}

const TIME_HELP = 'an ISO 8601 time such as 2030-06-01T14:00 (local time), 2030-06-01T12:00:00Z or 2030-06-01T14:00+02:00';

function runAtOption(raw: string): number {
  const at = parseIsoTime(raw, 'local-default');
  if (at === null) throw new InvalidArgumentError(`expected ${TIME_HELP}, got "${raw}".`);
  return at;
}

/** A JSON job spec: the daemon checks every field; here only its shape and the fields of other implementations. */
function parseSpec(text: string): JobSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw usageError(`the job spec is not valid JSON (${(err as Error).message}); quote it whole, e.g. '{"command":"make test"}'`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw usageError('the job spec must be a JSON object');
  const spec = { ...(raw as Record<string, unknown>) };
  for (const [field, fresh] of Object.entries(FRESH_JOB_FIELDS)) {
    if (!(field in spec)) continue;
    if (!fresh(spec[field])) throw usageError(`a new job cannot have ${field} ${JSON.stringify(spec[field])}`);
    delete spec[field];
  }
  if (typeof spec.command !== 'string') throw usageError('the job spec needs a "command" string');
  if (typeof spec.cwd === 'string') spec.cwd = resolve(spec.cwd);
  if (typeof spec.run_at === 'string') {
    // Local time as --run-at takes it; the daemon wants a time zone (its zone need not be this shell's).
    const at = parseIsoTime(spec.run_at, 'local-default');
    if (at === null) throw usageError(`run_at must be ${TIME_HELP}, got ${JSON.stringify(spec.run_at)}`);
    spec.run_at = new Date(at).toISOString();
  }
  return spec as unknown as JobSpec;
}
