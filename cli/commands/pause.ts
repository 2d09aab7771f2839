import type { Command } from 'commander';
import type { QueueInfo, QueuePauseResult, ResumedAll, StatusResult } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { usageError } from '../errors.js';
import { note, printJson } from '../output.js';
import { queueName, since } from './queue.js';

/**
 * `queuectl pause` / `queuectl resume`: stop and restart starting jobs, of every queue (the switch over
 * all of them), of one named queue (--queue), or with `resume --all` both kinds at once; running jobs are
 * never touched.
 */
export function registerPause(program: Command): void {
  program
    .command('pause')
    .description('stop starting jobs of every queue (running ones go on) until queuectl resume; survives restarts; --queue: only that queue')
    .option('--queue <name>', 'pause only this named queue; the others go on', queueName)
    .option('--json', 'print the pause state as JSON')
    .action(async (opts: { queue?: string; json?: boolean }) => {
      const [result, status] = await pauseOrResume('queue.pause', opts.queue);
      if (opts.json) return printJson(result);
      if (result.queue === null) {
        note(
          result.changed
            ? 'queuectl: every queue paused; running jobs go on, no new job starts until: queuectl resume'
            : `queuectl: every queue was already paused (${since(result.paused_since)})`,
        );
        return;
      }
      note(
        result.changed
          ? `queuectl: queue ${result.queue} paused; its running jobs go on, none of its jobs starts until: queuectl resume --queue ${result.queue}`
          : `queuectl: queue ${result.queue} was already paused (${pausedHow(status.queues.find((q) => q.name === result.queue), result.paused_since)})`,
      );
      if (status.paused) note('queuectl: every queue is also held by queuectl pause');
    });
  program
    .command('resume')
    .description('start jobs again after queuectl pause; --queue: after queuectl pause --queue; --all: every queue, whatever paused it')
    .option('--queue <name>', 'resume only this named queue', queueName)
    .option('--all', 'lift queuectl pause and every named queue\'s own pause (pause --queue, pause on dead) at once')
    .option('--json', 'print the pause state as JSON (with --all: what was resumed)')
    .action(async (opts: { queue?: string; all?: boolean; json?: boolean }) => {
      if (opts.all) {
        if (opts.queue !== undefined) throw usageError('give --queue <name> or --all, not both');
        const result = await withClient((c) => c.call('queue.resume', { all: true }));
        if (opts.json) return printJson(result);
        note(result.changed && result.resumed ? `queuectl: resumed ${resumedText(result.resumed)}` : 'queuectl: nothing was paused');
        return;
      }
      const [result, status] = await pauseOrResume('queue.resume', opts.queue);
      if (opts.json) return printJson(result);
      if (result.queue === null) {
        const held = status.queues.filter((q) => q.paused);
        if (result.changed) note('queuectl: every queue resumed');
        else note(held.length > 0 ? 'queuectl: queuectl pause was not on' : 'queuectl: every queue was running already; nothing to resume');
        if (held.length === 1) {
          const q = held[0]!;
          note(`queuectl: queue ${q.name} stays paused on its own (${pausedHow(q, q.paused_since)}): queuectl resume --queue ${q.name}`);
        } else if (held.length > 1) {
          note(
            `queuectl: queues ${held.map((q) => q.name).join(', ')} stay paused on their own: ` +
              'queuectl resume --all resumes them, queuectl resume --queue <name> one at a time',
          );
        }
        return;
      }
      note(result.changed ? `queuectl: queue ${result.queue} resumed` : `queuectl: queue ${result.queue} was not paused`);
      if (status.paused) note('queuectl: but every queue is still held by queuectl pause; queuectl resume starts them');
    });
}

/** "3m 05s ago: job x went dead", or "3m 05s ago" for a pause by hand. */
function pausedHow(q: QueueInfo | undefined, pausedSince: string | null): string {
  const when = since(q?.paused_since ?? pausedSince);
  return q?.paused_reason ? `${when}: ${q.paused_reason}` : when;
}

/** "every queue (queuectl pause) and queues gpu, io". */
function resumedText(r: ResumedAll): string {
  const parts: string[] = [];
  if (r.all) parts.push('every queue (queuectl pause)');
  if (r.queues.length > 0) parts.push(`${r.queues.length === 1 ? 'queue' : 'queues'} ${r.queues.join(', ')}`);
  return parts.join(' and ');
}

/** The call, then the state of every switch (to tell people what still holds their jobs). */
function pauseOrResume(method: 'queue.pause' | 'queue.resume', queue: string | undefined): Promise<[QueuePauseResult, StatusResult]> {
  return withClient(async (c) => {
    const result = await c.call(method, queue === undefined ? {} : { queue });
    return [result, await c.call('status', {})];
  });
}
