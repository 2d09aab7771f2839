import type { Command } from 'commander';
import { withClient } from '../client.js';

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("print a job's output (stdout and stderr)")
    .argument('<id>', 'job id or a unique prefix of it')
    .action(async (id: string) => {
      await withClient(async (c) => {
        let offset = 0;
        for (;;) {
          const chunk = await c.call('logs', { id, offset });
          if (chunk.data) await write(chunk.data);
          if (chunk.next_offset >= chunk.size || chunk.next_offset === offset) return;
          offset = chunk.next_offset;
        }
      });
    });
}

function write(data: string): Promise<void> {
  return new Promise((resolve) => (process.stdout.write(data) ? resolve() : process.stdout.once('drain', resolve)));
}
