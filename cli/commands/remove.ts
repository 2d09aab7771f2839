import type { Command } from 'commander';
import { MAX_SELECTED_IDS, QueueError } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { printJson, printLine } from '../output.js';
import { jobIds } from '../parse.js';

export function registerRemove(program: Command): void {
  program
    .command('remove')
    .alias('rm')
    .description('delete finished jobs (completed, dead, canceled) with their history and logs; if one of them cannot be removed, none is')
    .argument('<id...>', `job ids or unique prefixes of them (at most ${MAX_SELECTED_IDS})`)
    .option('--json', 'print the removed ids as JSON')
    .action(async (rawIds: string[], opts: { json?: boolean }) => {
      const ids = jobIds(rawIds, MAX_SELECTED_IDS);
      const result = await withClient((c) => c.call('job.remove', { ids })).catch((err: unknown) => {
        throw allOrNone(err, 'removed');
      });
      if (opts.json) return printJson(result);
      for (const id of result.removed) printLine(`removed ${id}`);
    });
}

/** A refusal of an all-or-none request, saying (where the daemon's message does not already) that nothing was done. */
export function allOrNone(err: unknown, done: 'removed' | 'retried'): unknown {
  if (!(err instanceof QueueError) || !['JOB_NOT_FOUND', 'AMBIGUOUS_ID', 'INVALID_STATE'].includes(err.code)) return err;
  if (/nothing was (removed|retried)/i.test(err.message)) return err;
  return new QueueError(err.code, `${err.message}; nothing was ${done}`, err.details);
}
