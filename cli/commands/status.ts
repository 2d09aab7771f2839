import type { Command } from 'commander';
import { JOB_STATES, formatDuration } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { bold, colorState, dim, oneLine, printJson, printLine, relative } from '../output.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('summary: jobs per state and what each worker runs')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const status = await withClient((c) => c.call('status', {}));
      if (opts.json) return printJson(status);
      const busy = status.workers.filter((w) => w.job_id).length;
      printLine(
        `${bold('queuectl')} ${status.version} · pid ${status.pid} · up ${formatDuration(status.uptime_ms)} · ` +
          `${status.workers.length} workers (${busy} busy)${status.stopping ? ' · stopping' : ''}`,
      );
      printLine(dim(status.home));
      if (status.paused) printLine(`${bold('paused')} ${relative(status.paused_since)}: no job starts until ${bold('queuectl resume')}; running ones go on`);
      printLine();
      for (const state of JOB_STATES) printLine(`  ${colorState(state)}${' '.repeat(12 - state.length)}${status.counts[state]}`);
      printLine();
      for (const w of status.workers) {
        const what = w.job_id ? `${w.job_id}  ${relative(w.since)}  ${oneLine(w.command ?? '')}` : dim('idle');
        printLine(`  worker ${w.id}  ${what}`);
      }
    });
}
