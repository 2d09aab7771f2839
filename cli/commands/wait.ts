import type { Command } from 'commander';
import { formatDuration, type Job } from '../../protocol/index.js';
import type { RpcClient } from '../../protocol/node/client.js';
import { withDaemon } from '../client.js';
import { EXIT } from '../errors.js';
import { onInterrupt } from '../interrupt.js';
import { printJson } from '../output.js';
import { duration, jobIds } from '../parse.js';
import { WaitProgress } from '../progress.js';
import { WAIT_EXIT, describeEnd, exitCodeOfEnded } from '../job-exit.js';
import { JobWaiter, type Target } from '../wait-for-jobs.js';

/** How one job's end becomes an exit code (wait, enqueue --wait, logs --follow, enqueue --follow). */
const ONE_JOB_EXIT = `  one job   the job's own: 0 completed; dead: its last run's exit code, or 128+N when
            signal N killed it (143 for a job killed at its own timeout), or 1 when it
            has neither (crashed, could not start); canceled: 1`;

/** The exit codes of wait and enqueue --wait (also in docs/cli.md). */
export const WAIT_EXIT_HELP = `
Exit codes:
${ONE_JOB_EXIT}
  several   0 if every job completed, 1 otherwise
  ${WAIT_EXIT.timeout}       --timeout passed before every job ended (as timeout(1) does)
  ${WAIT_EXIT.removed}       the one job was removed before it was seen to end (several jobs: 1)
  ${WAIT_EXIT.interrupted}       interrupted (Ctrl-C)
  1         an id matches no job, or several (nothing was waited for)
  2         bad usage, e.g. a --timeout that is not a duration
  3         no daemon running, or it stopped during the wait

A job's own exit code can be one of queuectl's (1, 2, 3, ${WAIT_EXIT.timeout}, ${WAIT_EXIT.removed}, ${WAIT_EXIT.interrupted}); when the code is
queuectl's, it says why on stderr, and --json reports each job's state and exit code.
A job has ended at the first terminal state (completed, dead, canceled) seen: if someone retries it
afterwards, that new run is not waited for.`;

/** The exit codes of logs --follow and enqueue --follow. */
export const FOLLOW_EXIT_HELP = `
Exit codes with --follow (once the job has ended and all its output was printed):
${ONE_JOB_EXIT}
  ${WAIT_EXIT.removed}       the job was removed while its log was followed
  ${WAIT_EXIT.interrupted}       interrupted (Ctrl-C)
  1         the id matches no job, or several
  3         no daemon running, or it stopped while following
When the code is queuectl's own, it says why on stderr. A job that did not complete is named on stderr.`;

export interface WaitRunOptions {
  json?: boolean;
  /** When to give up (ms since the epoch), or null for never. */
  deadline: number | null;
  /** The --timeout as given, for the message. */
  timeoutMs?: number;
}

/** What `wait --json` prints. */
export interface WaitJson {
  /** The exit code wait exits with. */
  exit_code: number;
  timed_out: boolean;
  /** Each job in its latest known state (its end for those that ended), in the order named. */
  jobs: Job[];
  /** Ids of jobs removed before they were seen to end. */
  removed: string[];
  /** Ids of jobs that had not ended (at a timeout). */
  unfinished: string[];
}

export function registerWait(program: Command): void {
  program
    .command('wait')
    .description('block until jobs end (completed, dead or canceled); the exit code says how (a progress bar on a terminal, a line per job otherwise)')
    .argument('<id...>', 'job ids or unique prefixes of them')
    .option('--timeout <duration>', `give up after this long, e.g. 30s, 10m, 1h30m (exit ${WAIT_EXIT.timeout})`, duration)
    .option('--json', 'print only the result as JSON at the end: exit_code, timed_out, jobs, removed, unfinished')
    .addHelpText('after', WAIT_EXIT_HELP)
    .action(async (rawIds: string[], opts: { timeout?: number; json?: boolean }) => {
      const deadline = opts.timeout === undefined ? null : Date.now() + opts.timeout;
      const ids = jobIds(rawIds);
      await withDaemon('wait', (c) => waitForJobs(c, (w) => w.addByIds(ids), { json: opts.json, deadline, timeoutMs: opts.timeout }));
    });
}

/**
 * Subscribes to job events, lets `add` name the jobs (read them, or enqueue them), waits for them with
 * progress on stdout, reports how they ended and sets process.exitCode (see WAIT_EXIT_HELP).
 */
export async function waitForJobs(client: RpcClient, add: (waiter: JobWaiter) => Promise<void>, opts: WaitRunOptions): Promise<void> {
  const progress = new WaitProgress(opts.json ? 'none' : process.stdout.isTTY ? 'tty' : 'plain');
  const waiter = new JobWaiter(client, { ended: (t) => progress.ended(t), changed: () => progress.changed() });
  progress.attach(waiter);
  const stopInterrupt = onInterrupt(() => {
    progress.abort();
    client.close();
  });
  try {
    await waiter.subscribe();
    await add(waiter);
    const waiting = waiter.wait(opts.deadline);
    progress.start();
    const outcome = await waiting;
    progress.finish();
    const targets = waiter.list();
    const open = targets.filter((t) => !t.end);
    if (outcome === 'daemon-gone') {
      process.stderr.write(`queuectl: error: the daemon stopped during the wait; ${open.length} of ${targets.length} ${plural(targets.length, 'job')} had not ended (unfinished jobs go on when it starts again)\n`);
      process.exitCode = EXIT.notRunning;
      return;
    }
    const code = outcome === 'timeout' ? WAIT_EXIT.timeout : await exitCodeOf(client, targets);
    if (opts.json) {
      const result: WaitJson = {
        exit_code: code,
        timed_out: outcome === 'timeout',
        jobs: targets.flatMap((t) => (t.job && t.end !== 'removed' ? [t.job] : [])),
        removed: targets.filter((t) => t.end === 'removed').map((t) => t.id),
        unfinished: open.map((t) => t.id),
      };
      printJson(result);
    }
    if (outcome === 'timeout') {
      const shown = open.slice(0, 10).map((t) => `${t.id} (${t.job?.state ?? 'pending'})`);
      const more = open.length > shown.length ? `, and ${open.length - shown.length} more` : '';
      process.stderr.write(
        `queuectl: timed out after ${formatDuration(opts.timeoutMs ?? 0)}: ${open.length} of ${targets.length} ${plural(targets.length, 'job')} ${open.length === 1 ? 'has' : 'have'} not ended: ${shown.join(', ')}${more}\n`,
      );
    } else if (targets.length === 1 && targets[0]!.end === 'removed') {
      process.stderr.write(`queuectl: error: ${describeEnd(targets[0]!)}\n`);
    }
    process.exitCode = code;
  } catch (err) {
    progress.abort();
    throw err;
  } finally {
    stopInterrupt();
  }
}

/** One job: its own code (or 125 if removed); several: 0 if all completed, else 1. */
async function exitCodeOf(client: RpcClient, targets: Target[]): Promise<number> {
  if (targets.length === 1) {
    const t = targets[0]!;
    if (t.end === 'removed' || !t.job) return WAIT_EXIT.removed;
    return exitCodeOfEnded(client, t.job);
  }
  return targets.every((t) => t.end === 'finished' && t.job?.state === 'completed') ? EXIT.ok : EXIT.failure;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
