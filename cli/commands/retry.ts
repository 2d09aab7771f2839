import type { Command } from 'commander';
import { QueueError, type Job } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { EXIT, daemonGone, exitCodeFor } from '../errors.js';
import { printJson, printLine } from '../output.js';
import { jobIds } from '../parse.js';

export function registerRetry(program: Command): void {
  program
    .command('retry')
    .description('run failed, dead, canceled or completed jobs again from scratch (pending now, attempts reset; history kept, log started afresh)')
    .argument('<id...>', 'job ids or unique prefixes of them')
    .option('--with-dependents', 'also bring back the jobs (enqueue --after) it canceled by dying or being canceled, and theirs in turn')
    .option('--json', 'print the retried jobs as JSON (an array); with --with-dependents each also has "dependents": how many it brought back')
    .action(async (rawIds: string[], opts: { withDependents?: boolean; json?: boolean }) => {
      const ids = jobIds(rawIds);
      const retried: Array<Job & { dependents?: number }> = [];
      let exitCode: number = EXIT.ok;
      let lost: unknown = null;
      await withClient(async (c) => {
        // One job at a time: each is retried or refused on its own, and reported.
        for (const id of ids) {
          try {
            const { job, dependents } = await c.call('job.retry', opts.withDependents ? { id, with_dependents: true } : { id });
            // --json: the job as before; with --with-dependents also how many it brought back (an added field).
            retried.push(opts.withDependents ? { ...job, dependents } : job);
            if (!opts.json) printLine(opts.withDependents ? `retrying ${job.id} ${withDependents(dependents)}` : `retrying ${job.id}`);
          } catch (err) {
            // The connection is gone: the rest would fail the same way; say it once, as any command does.
            if (daemonGone(err)) {
              lost = err;
              break;
            }
            // Two prefixes of the same job: the second finds it pending because of the first.
            if (err instanceof QueueError && retried.some((j) => j.id === err.details.id)) continue;
            process.stderr.write(`queuectl: error: ${err instanceof Error ? err.message : String(err)}\n`);
            exitCode = Math.max(exitCode, exitCodeFor(err));
          }
        }
      });
      if (opts.json) printJson(retried);
      if (lost !== null) throw lost;
      process.exitCode = exitCode;
    });
}

/** "(and 3 canceled dependents)" */
function withDependents(n: number): string {
  if (n === 0) return '(no canceled dependents to bring back)';
  return `(and ${n} canceled ${n === 1 ? 'dependent' : 'dependents'})`;
}
