import { parentChannel } from './channel.js';
import { runCommand, type RunningCommand } from './run-command.js';
import { guardJobGroup, processGuard } from './job-group-guard.js';
import type { RunFinished, RunRequest } from './messages.js';
import { readLastLine } from '../logs/last-line.js';
import { chooseRunner, describeChoice, spawnAddonPath } from './spawn-choice.js';

/**
 * Worker process: runs one job at a time for the engine and reports how it went. If the engine dies, the
 * worker kills the job it runs and exits, so nothing keeps running unsupervised.
 */
const channel = parentChannel();
let current: { jobId: string; run: RunningCommand } | null = null;
let shuttingDown = false;
// Chosen once: every job of this worker starts the same way; its stderr line lands in daemon.log.
const choice = chooseRunner(spawnAddonPath(import.meta.url));
process.stderr.write(`${describeChoice(choice)}\n`);

channel.onMessage((msg) => {
  switch (msg.type) {
    case 'run': {
      if (current) throw new Error(`worker is busy with ${current.jobId}; engine sent ${msg.jobId}`);
      const run = runCommand(msg, choice.runner);
      current = { jobId: msg.jobId, run };
      if (run.pid !== null) {
        channel.send({ type: 'started', jobId: msg.jobId, attempt: msg.attempt, pid: run.pid, identity: run.identity });
      }
      void run.done.then((finished) => {
        current = null;
        channel.send(withLastLine(finished, msg), () => {
          if (shuttingDown) process.exit(0);
        });
      });
      return;
    }
    case 'kill':
      if (current?.jobId === msg.jobId) current.run.kill(msg.reason);
      return;
    case 'shutdown':
      shuttingDown = true;
      if (!current) process.exit(0);
      return;
    default: {
      const never: never = msg;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});

/**
 * A run that did not complete carries its summary: the last line of its section of the log, read here, in
 * the worker, once the log is final (its processes are gone). Completed runs are not read (drain speed).
 */
function withLastLine(finished: RunFinished, req: RunRequest): RunFinished {
  const completed = finished.exitCode === 0 && finished.signal === null && finished.error === null;
  return completed ? finished : { ...finished, lastLine: readLastLine(req.logPath, req.logStart ?? 0) };
}

channel.onParentGone(() => {
  current?.run.destroy();
  process.exit(1);
});

// However this process ends (exit, SIGTERM), every process of the running job goes with it.
guardJobGroup(() => current?.run ?? null, processGuard((run: RunningCommand) => run.destroy()));

// Ctrl-C in the daemon's terminal reaches its workers too; the engine decides when they stop.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});

channel.send({ type: 'ready' });
