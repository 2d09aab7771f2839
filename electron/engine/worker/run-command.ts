import { statSync } from 'node:fs';
import { openRunLog, type CappedLog } from './log-file.js';
import { killRun, newRunMarker, RUN_MARKER_VAR, signalRun, type RunTrace } from './contain.js';
import { startTicks } from './proc-scan.js';
import { identityFromStart } from './process-identity.js';
import { STOPPED_OWN_DAEMON, type KillReason, type RunFinished, type RunRequest } from './messages.js';
import { execaRunner } from './spawn-execa.js';
import type { ShellRunner } from './spawn-runner.js';

/** How long a tree gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;
/** How often a running job's log is checked against the cap. */
const LOG_CHECK_MS = 250;

/** A job being run: call kill() to end it early; `done` resolves when its shell has exited and its processes are gone. */
export interface RunningCommand {
  pid: number | null;
  /** The shell's process identity (worker/process-identity.ts), or null. */
  identity: string | null;
  done: Promise<RunFinished>;
  /** SIGTERM to every process of the run, SIGKILL to all after the grace. */
  kill(reason: KillReason): void;
  /** SIGKILL to every process of the run, synchronously (the worker is exiting: worker/job-group-guard.ts). */
  destroy(): void;
}

/**
 * Runs `sh -c <command>` (cmd.exe on Windows) as the leader of a new process group and session, its stdout
 * and stderr written straight into the job's log, every process it starts marked with QUEUECTL_RUN; ends all
 * of them on timeout or kill, and when the shell exits (unless `keepChildren`). `runner` starts the shell
 * (worker/spawn-choice.ts picks it per worker); --keep-children runs always take execa's pipes.
 */
export function runCommand(req: RunRequest, runner: ShellRunner = execaRunner): RunningCommand {
  const started = Date.now();
  const finish = (partial: Partial<RunFinished>): RunFinished => ({
    type: 'finished',
    jobId: req.jobId,
    attempt: req.attempt,
    exitCode: null,
    signal: null,
    timedOut: false,
    killedFor: null,
    error: null,
    ...partial,
  });

  let log: CappedLog;
  try {
    log = openRunLog(req, started);
  } catch (err) {
    return settled(finish({ error: `cannot open the log ${req.logPath}: ${(err as Error).message}` }));
  }

  // --keep-children: the kept processes would hold the log's fd after the run; a pipe the worker drains
  // instead (capped as written, the rest discarded, until the last writer closes it) keeps the log final.
  const piped = req.keepChildren === true && process.platform !== 'win32';
  const marker = req.queuectlEnv[RUN_MARKER_VAR] ?? newRunMarker();
  let ended = false;
  // Taken before the spawn: the run's pid window is timed from before its leader's pid was handed out.
  const spawnedAt = performance.now();
  const shell = (piped ? execaRunner : runner).start({
    command: req.command,
    cwd: req.cwd,
    env: { ...(req.env ?? workerEnvironment()), ...req.queuectlEnv, [RUN_MARKER_VAR]: marker },
    umask: req.umask,
    output: piped ? { pipe: (chunk) => (ended ? undefined : log.write(chunk)) } : { fd: log.fd },
  });
  const pid = shell.pid;
  const since = pid === null ? null : startTicks(pid);
  const trace: RunTrace = { leader: pid, marker, since, window: pid === null ? null : { leader: pid, spawnedAt } };

  let timedOut = false;
  let killedFor: KillReason | null = null;
  let escalation: NodeJS.Timeout | null = null;
  /** SIGTERM (and SIGCONT, for a stopped process) to every process of the run; all killed after the grace. */
  const terminate = (): void => {
    if (pid === null || escalation) return;
    signalRun(trace, 'SIGTERM');
    escalation = setTimeout(() => killRun(trace), KILL_GRACE_MS);
  };
  const timer = req.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        terminate();
      }, req.timeoutMs)
    : null;
  const capCheck = piped ? null : setInterval(() => log.enforceCap(), LOG_CHECK_MS);

  const done = shell.exit.then((result) => {
    if (timer) clearTimeout(timer);
    if (capCheck) clearInterval(capCheck);
    if (escalation) clearTimeout(escalation);
    // A queue runs a job, not its leftovers: whatever the run started dies with it (docs/jobs.md, "Process
    // lifetime"); with nothing left holding the log's fd, the cap below is final.
    // No shell, no process: nothing can carry the marker, so there is nothing to look for.
    if (pid !== null && (timedOut || killedFor !== null || req.keepChildren !== true)) killRun(trace);
    ended = true;
    const exitCode = result.exitCode;
    const signal = result.signal;
    // A shell that did not start: the working directory is checked only then (one stat less per job), and
    // named as the reason in the log when it is missing or not a directory.
    const cwdProblem = exitCode === null && signal === null && req.cwd ? checkDirectory(req.cwd) : null;
    if (cwdProblem) log.note(`queuectl: ${cwdProblem}\n`);
    log.close();
    let error: string | null = null;
    if (timedOut) error = `timed out after ${req.timeoutMs} ms; the process tree was killed`;
    else if (killedFor === 'canceled') error = 'canceled by the user';
    else if (killedFor === 'requeued') error = 'stopped by a graceful shutdown that ran out of time';
    else if (killedFor === 'stopped_own_daemon') error = STOPPED_OWN_DAEMON;
    else if (signal) error = `killed by ${signal}`;
    else if (exitCode === null) error = cwdProblem ?? (result.message || 'could not start the command');
    else if (exitCode !== 0) error = `exited with code ${exitCode}`;
    return finish({ exitCode, signal, timedOut, killedFor, error });
  });

  return {
    pid,
    identity: identityFromStart(since),
    done,
    kill(reason) {
      killedFor = reason;
      terminate();
    },
    destroy() {
      killRun(trace);
    },
  };
}

let ownEnvironment: Record<string, string> | undefined;
/**
 * The worker's environment (the queue's own, for a job that stored none), copied once: nothing in a worker
 * changes it, and spreading `process.env` reads every variable through the C++ environment each time (~4 ×).
 */
function workerEnvironment(): Record<string, string> {
  return (ownEnvironment ??= { ...(process.env as Record<string, string>) });
}

function settled(result: RunFinished): RunningCommand {
  return { pid: null, identity: null, done: Promise.resolve(result), kill: () => {}, destroy: () => {} };
}

function checkDirectory(path: string): string | null {
  try {
    return statSync(path).isDirectory() ? null : `working directory ${path} is not a directory`;
  } catch {
    return `working directory ${path} does not exist`;
  }
}
