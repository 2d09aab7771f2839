import type { Command } from 'commander';
import { formatDuration } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { bold, colorState, printJson, printLine, printTable } from '../output.js';

export function registerShow(program: Command): void {
  program
    .command('show')
    .description('one job with its attempt history')
    .argument('<id>', 'job id or a unique prefix of it')
    .option('--json', 'print as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const { job, attempts } = await withClient((c) => c.call('show', { id }));
      if (opts.json) return printJson({ ...job, attempt_history: attempts });
      const fields: Array<[string, string]> = [
        ['id', job.id],
        ['name', job.name ?? '-'],
        ['command', job.command],
        ['state', colorState(job.state)],
        ['attempts', `${job.attempts} failed of at most ${job.max_retries + 1} runs (max_retries ${job.max_retries})`],
        ['priority', String(job.priority)],
        ['timeout', job.timeout_ms ? formatDuration(job.timeout_ms) : 'none'],
        ['cwd', job.cwd ?? '-'],
        ['run at', job.run_at],
        ['created', job.created_at],
        ['updated', job.updated_at],
        ['started', job.started_at ?? '-'],
        ['finished', job.finished_at ?? '-'],
        ['exit code', job.exit_code === null ? '-' : String(job.exit_code)],
        ['last error', job.last_error ?? '-'],
        ['worker', job.worker_id === null ? '-' : String(job.worker_id)],
        ['log', job.log_path],
      ];
      for (const [k, v] of fields) printLine(`${bold(k.padEnd(11))} ${v}`);
      if (attempts.length === 0) return;
      printLine();
      printTable(
        ['RUN', 'OUTCOME', 'EXIT', 'SIGNAL', 'DURATION', 'WORKER', 'STARTED', 'ERROR'],
        attempts.map((a) => [
          String(a.number),
          a.outcome,
          a.exit_code === null ? '-' : String(a.exit_code),
          a.signal ?? '-',
          a.duration_ms === null ? '-' : formatDuration(a.duration_ms),
          a.worker_id === null ? '-' : String(a.worker_id),
          a.started_at,
          a.error ?? '-',
        ]),
      );
    });
}
