import { InvalidArgumentError, type Command } from 'commander';
import { CLEANABLE_STATES, parseDuration, type CleanableState, type JobsCleanParams } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { EXIT, usageError } from '../errors.js';
import { note, printJson, printLine } from '../output.js';
import { confirm } from './dlq.js';

interface CleanOptions {
  state?: CleanableState[];
  olderThan?: { ms: number; text: string };
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

export function registerClean(program: Command): void {
  program
    .command('clean')
    .description('delete finished jobs in bulk with their history and logs: completed and canceled ones unless --state says otherwise (asks first on a terminal)')
    .option('--state <state>', `which finished jobs: ${CLEANABLE_STATES.join(', ')}; repeat it or separate with commas (default completed,canceled; dead ones only when named)`, states)
    .option('--older-than <duration>', 'only jobs that finished more than this long ago, e.g. 7d, 12h, 1h30m', olderThan)
    .option('--dry-run', 'print how many jobs would be deleted; delete nothing')
    .option('-y, --yes', 'do not ask; required when stdin is not a terminal')
    .option('--json', 'print the count as JSON')
    .action(async (opts: CleanOptions) => {
      const params: JobsCleanParams = {};
      if (opts.state) params.states = opts.state;
      if (opts.olderThan) params.older_than_ms = opts.olderThan.ms;
      const what = describe(opts);

      if (opts.dryRun) {
        const { count } = await withClient((c) => c.call('jobs.clean', { ...params, dry_run: true }));
        if (opts.json) return printJson({ count, dry_run: true });
        printLine(`would delete ${count} ${what(count)}`);
        return;
      }
      if (!opts.yes && !process.stdin.isTTY) {
        throw usageError('clean deletes jobs and their logs; add --yes to confirm when stdin is not a terminal (nothing was deleted)');
      }
      let asked: number | null = null;
      let asOf: string | undefined;
      if (!opts.yes) {
        // Counted and asked with no connection open: a person may take their time to answer. The clean is
        // then judged as of the count, so it deletes no more than the person agreed to.
        const counted = await withClient((c) => c.call('jobs.clean', { ...params, dry_run: true }));
        asked = counted.count;
        asOf = counted.as_of;
        if (asked > 0 && !(await confirm(`Delete ${asked} ${what(asked)} and ${asked === 1 ? 'its log' : 'their logs'}? [y/N] `))) {
          note('nothing was deleted');
          process.exitCode = EXIT.failure;
          return;
        }
      }
      const { count } = asked === 0 ? { count: 0 } : await withClient((c) => c.call('jobs.clean', { ...params, ...(asOf ? { as_of: asOf } : {}) }));
      if (opts.json) return printJson({ count });
      printLine(`deleted ${count} ${what(count)}`);
    });
}

/** `--state completed --state dead,canceled`: each value checked, each state once. */
function states(raw: string, previous: CleanableState[] | undefined): CleanableState[] {
  const parts = raw.split(',').map((s) => s.trim());
  const next = [...(previous ?? [])];
  for (const part of parts) {
    if (part === '') throw new InvalidArgumentError(`empty state; clean takes ${CLEANABLE_STATES.join(', ')}.`);
    if (['pending', 'processing', 'failed'].includes(part)) {
      throw new InvalidArgumentError(`${part} jobs cannot be cleaned: only completed, dead and canceled jobs can (cancel them first).`);
    }
    if (!(CLEANABLE_STATES as readonly string[]).includes(part)) {
      throw new InvalidArgumentError(`unknown state "${part}"; clean takes ${CLEANABLE_STATES.join(', ')}.`);
    }
    if (!next.includes(part as CleanableState)) next.push(part as CleanableState);
  }
  return next;
}

function olderThan(raw: string): { ms: number; text: string } {
  const ms = parseDuration(raw);
  if (ms === null) throw new InvalidArgumentError(`expected a duration such as 7d, 12h, 30m or 1h30m, got "${raw}".`);
  if (ms > Number.MAX_SAFE_INTEGER) throw new InvalidArgumentError(`that is longer than any job can have existed, got "${raw}".`);
  return { ms, text: raw.trim() };
}

/** "completed or canceled jobs that finished more than 7d ago", for a count. */
function describe(opts: CleanOptions): (n: number) => string {
  const chosen = opts.state ?? ['completed', 'canceled'];
  const names = chosen.length === 1 ? chosen[0]! : `${chosen.slice(0, -1).join(', ')} or ${chosen[chosen.length - 1]!}`;
  const age = opts.olderThan ? ` that finished more than ${opts.olderThan.text} ago` : '';
  return (n) => `${names} ${n === 1 ? 'job' : 'jobs'}${age}`;
}
