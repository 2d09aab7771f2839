import { Command, CommanderError } from 'commander';
import { PRODUCT_VERSION, QueueError } from '../protocol/index.js';
import { resolveHome } from '../protocol/node/paths.js';
import { registerCancel } from './commands/cancel.js';
import { registerCompletion } from './commands/completion.js';
import { registerClean } from './commands/clean.js';
import { registerConfig } from './commands/config.js';
import { registerDlq } from './commands/dlq.js';
import { registerEnqueue } from './commands/enqueue.js';
import { registerList } from './commands/list.js';
import { registerLogs } from './commands/logs.js';
import { registerPause } from './commands/pause.js';
import { registerQueue } from './commands/queue.js';
import { registerRemove } from './commands/remove.js';
import { registerRetry } from './commands/retry.js';
import { registerSchedule } from './commands/schedule.js';
import { registerShow } from './commands/show.js';
import { registerStatus } from './commands/status.js';
import { registerUi } from './commands/ui.js';
import { registerWait } from './commands/wait.js';
import { registerWorker } from './commands/worker.js';
import { EXIT, exitCodeFor } from './errors.js';

/** queuectl: talks to the running daemon over its socket; with none, works on the store through out/node/local.js (cli/client.ts). */
function buildProgram(): Command {
  const program = new Command('queuectl')
    .description('a background job queue: enqueue shell commands, run them on workers with retries and a dead-letter queue')
    .version(PRODUCT_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, write) => write(`queuectl: ${s.replace(/^error: /, 'error: ')}`) });
  registerWorker(program);
  registerEnqueue(program);
  registerStatus(program);
  registerList(program);
  registerShow(program);
  registerLogs(program);
  registerWait(program);
  registerCancel(program);
  registerRetry(program);
  registerRemove(program);
  registerClean(program);
  registerDlq(program);
  registerConfig(program);
  registerPause(program);
  registerSchedule(program);
  registerQueue(program);
  registerUi(program);
  registerCompletion(program);
  for (const cmd of allCommands(program)) cmd.exitOverride();
  return program;
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

async function main(): Promise<number> {
  try {
    await buildProgram().parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code)) {
        return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      }
      if (err.code === 'commander.executeSubCommandAsync') return EXIT.ok;
      return EXIT.usage;
    }
    process.stderr.write(`queuectl: error: ${describe(err)}\n`);
    return exitCodeFor(err);
  }
}

function describe(err: unknown): string {
  if (err instanceof QueueError && err.code === 'NOT_RUNNING') {
    const needs = typeof err.details.needs === 'string' ? `: ${err.details.needs} needs one, with its workers` : '';
    return `no queuectl daemon is running for ${resolveHome()}${needs}\n  start one with: queuectl worker start (add --detach to run it in the background)`;
  }
  return err instanceof Error ? err.message : String(err);
}

// A reader that goes away (queuectl list | head) ends the output, not the program with a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main().then((code) => {
  process.exitCode = code;
});
