import { lstatSync } from 'node:fs';
import type { Command } from 'commander';
import { withClient, withDaemon, type QueueCaller } from '../client.js';
import { InvalidArgumentError } from 'commander';
import { followLog, printLogFrom, readTail, write, type RunChoice } from '../follow-log.js';
import { integer } from '../parse.js';
import { FOLLOW_EXIT_HELP } from './wait.js';

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("print a job's output (stdout and stderr); --follow keeps printing it as it is written until the job ends")
    .argument('<id>', 'job id or a unique prefix of it')
    .option('-f, --follow', 'keep printing new output until the job has ended; exits with its exit code, as wait does')
    .option('-n, --tail <n>', 'only the last n lines (with --follow: then what follows)', integer(0, 100_000_000))
    .option('--run <n>', "only run n's output (its number as show lists it), or `latest`; without it every run in order", runNumber)
    .addHelpText('after', RUNS_HELP + FOLLOW_EXIT_HELP)
    .action(async (id: string, opts: { follow?: boolean; tail?: number; run?: RunChoice }) => {
      if (opts.follow) {
        await withDaemon('logs --follow', async (c) => {
          const { job } = await c.call('show', { id });
          process.exitCode = await followLog(c, job, await printStart(c, job.id, opts.tail, opts.run));
        });
        return;
      }
      await withClient(async (c) => {
        const next = await printStart(c, id, opts.tail, opts.run);
        if (next === 0 && opts.tail === undefined && opts.run === undefined) await reportMissingLog(c, id);
      });
    });
}

const RUNS_HELP = `
A job's log holds every run of it, retries included, each with its own log_max_bytes; runs after the
first start with a line \`── queuectl: run N · <start time> ──\`. --run prints one run's output as the
command wrote it (no header); with --follow, what follows it is printed as it comes, later runs included.
`;

/** `--run`: a run number (1 or more) or `latest`. */
function runNumber(raw: string): RunChoice {
  if (raw === 'latest') return 'latest';
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new InvalidArgumentError(`expected a run number (1, 2, ...) or "latest", got "${raw}".`);
  return Number(raw);
}

/** Prints the log or one run's output (its last `tail` lines, or all of it) and answers the offset where it ended. */
async function printStart(c: QueueCaller, id: string, tail: number | undefined, run: RunChoice): Promise<number> {
  if (tail === undefined) return printLogFrom(c, id, 0, run);
  const last = await readTail(c, id, tail, run);
  if (last.bytes.length > 0) await write(last.bytes);
  return last.next;
}

/**
 * An empty answer for a job that has run: if its log file is gone (deleted by hand, or logs/ removed under
 * the daemon), say so on stderr and exit 1, rather than print nothing and exit 0 as for a job that printed
 * nothing. The CLI runs on the daemon's machine as its user, so it looks at the file itself.
 */
async function reportMissingLog(c: QueueCaller, id: string): Promise<void> {
  const { job, attempts } = await c.call('show', { id });
  if (attempts.length === 0) return;
  try {
    lstatSync(job.log_path);
  } catch {
    process.stderr.write(`queuectl: the log of job ${job.id} (${job.log_path}) is missing: it was deleted after the job ran, so its output is lost\n`);
    process.exitCode = 1;
  }
}
