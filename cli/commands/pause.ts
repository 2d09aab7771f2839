import type { Command } from 'commander';
import type { QueuePauseResult, StatusResult } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { note, printJson } from '../output.js';
import { queueName, since } from './queue.js';

/**
 * `queuectl pause` / `queuectl resume`: stop and restart starting jobs, of every queue or (--queue) of one
 * named queue; running jobs are never touched.
 */
export function registerPause(program: Command): void {
  program
    .command('pause')
    .description('stop starting jobs (running ones go on) until queuectl resume; survives restarts; --queue: only that queue')
    .option('--queue <name>', 'pause only this named queue; the others go on', queueName)
    .option('--json', 'print the pause state as JSON')
    .action(async (opts: { queue?: string; json?: boolean }) => {
      const [result, status] = await pauseOrResume('queue.pause', opts.queue);
      if (opts.json) return printJson(result);
      if (result.queue === null) {
        note(result.changed ? 'queuectl: queue paused; running jobs go on, no new job starts until: queuectl resume' : 'queuectl: the queue was already paused');
        return;
      }
      note(
        result.changed
          ? `queuectl: queue ${result.queue} paused; its running jobs go on, none of its jobs starts until: queuectl resume --queue ${result.queue}`
          : `queuectl: queue ${result.queue} was already paused (${since(result.paused_since)})`,
      );
      if (status.paused) note('queuectl: every queue is also held by queuectl pause');
    });
  program
    .command('resume')
    .description('start jobs again after queuectl pause; --queue: after queuectl pause --queue')
    .option('--queue <name>', 'resume only this named queue', queueName)
    .option('--json', 'print the pause state as JSON')
    .action(async (opts: { queue?: string; json?: boolean }) => {
      const [result, status] = await pauseOrResume('queue.resume', opts.queue);
      if (opts.json) return printJson(result);
      if (result.queue === null) {
        note(result.changed ? 'queuectl: queue resumed' : 'queuectl: the queue was not paused');
        const held = status.queues.filter((q) => q.paused).map((q) => q.name);
        if (held.length > 0) {
          const which = held.length === 1 ? `queue ${held[0]} stays` : `queues ${held.join(', ')} stay`;
          note(`queuectl: ${which} paused on ${held.length === 1 ? 'its' : 'their'} own (queuectl resume --queue <name>)`);
        }
        return;
      }
      note(result.changed ? `queuectl: queue ${result.queue} resumed` : `queuectl: queue ${result.queue} was not paused`);
      if (status.paused) note('queuectl: but every queue is still held by queuectl pause; queuectl resume starts them');
    });
}

/** The call, then the state of every switch (to tell people what still holds their jobs). */
function pauseOrResume(method: 'queue.pause' | 'queue.resume', queue: string | undefined): Promise<[QueuePauseResult, StatusResult]> {
  return withClient(async (c) => {
    const result = await c.call(method, queue === undefined ? {} : { queue });
    return [result, await c.call('status', {})];
  });
}
