import { statSync } from 'node:fs';
import { execa, type Options } from 'execa';
import { CappedLog } from './log-file.js';
import { killTree } from './kill-tree.js';
import type { RunFinished, RunRequest } from './messages.js';

/** How long a tree gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;
/** How often a running job's log is checked against the cap. */
const LOG_CHECK_MS = 250;

/** A job being run: call kill() to end it early; `done` resolves when its shell has exited. */
export interface RunningCommand {
  pid: number | null;
  done: Promise<RunFinished>;
  kill(reason: 'canceled' | 'requeued'): void;
}

/**
 * Runs `sh -c <command>` (cmd.exe on Windows) as the leader of a new process group, its stdout and stderr
 * written straight into the job's log, and ends the whole group on timeout or kill.
 */
export function runCommand(req: RunRequest): RunningCommand {
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

  const cwdProblem = req.cwd ? checkDirectory(req.cwd) : null;
  let log: CappedLog;
  try {
    log = new CappedLog(req.logPath, req.logMaxBytes);
  } catch (err) {
    return settled(finish({ error: `cannot open the log ${req.logPath}: ${(err as Error).message}` }));
  }
  // Later runs are headed by their number: under the earlier runs' output (automatic retries append to the
  // log), or at the top of a log job.retry emptied.
  if (req.attempt > 1) log.note(`${log.isEmpty() ? '' : '\n'}── queuectl: run ${req.attempt} · ${new Date(started).toISOString()} ──\n`);
  if (cwdProblem) {
    log.note(`queuectl: ${cwdProblem}\n`);
    log.close();
    return settled(finish({ error: cwdProblem }));
  }

  const windows = process.platform === 'win32';
  /** execa accepts a file descriptor here at run time; its types only admit literal numbers. */
  const logFd = log.fd as unknown as NonNullable<Options['stdout']>;
  const options: Options = {
    cwd: req.cwd ?? undefined,
    env: { ...(req.env ?? process.env), ...req.queuectlEnv },
    extendEnv: false,
    stdin: 'ignore',
    stdout: logFd,
    stderr: logFd,
    buffer: false,
    detached: !windows,
    cleanup: false,
    reject: false,
    windowsVerbatimArguments: windows,
  };
  const shell = windows ? process.env.ComSpec || 'cmd.exe' : '/bin/sh';
  const child = withUmask(req.umask, () => execa(shell, windows ? ['/d', '/s', '/c', req.command] : ['-c', req.command], options));
  const pid = child.pid ?? null;

  let timedOut = false;
  let killedFor: 'canceled' | 'requeued' | null = null;
  let escalation: NodeJS.Timeout | null = null;
  const terminate = (): void => {
    if (pid === null || escalation) return;
    killTree(pid, 'SIGTERM');
    escalation = setTimeout(() => killTree(pid, 'SIGKILL'), KILL_GRACE_MS);
  };
  const timer = req.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        terminate();
      }, req.timeoutMs)
    : null;
  const capCheck = setInterval(() => log.enforceCap(), LOG_CHECK_MS);

  const done = child.then((result) => {
    if (timer) clearTimeout(timer);
    clearInterval(capCheck);
    if (escalation) clearTimeout(escalation);
    if ((timedOut || killedFor) && pid !== null) killTree(pid, 'SIGKILL');
    log.close();
    const exitCode = result.exitCode ?? null;
    const signal = result.signal ?? null;
    let error: string | null = null;
    if (timedOut) error = `timed out after ${req.timeoutMs} ms; the process tree was killed`;
    else if (killedFor === 'canceled') error = 'canceled by the user';
    else if (killedFor === 'requeued') error = 'stopped by a graceful shutdown that ran out of time';
    else if (signal) error = `killed by ${signal}`;
    else if (exitCode === null) error = result.originalMessage || result.shortMessage || 'could not start the command';
    else if (exitCode !== 0) error = `exited with code ${exitCode}`;
    return finish({ exitCode, signal, timedOut, killedFor, error });
  });

  return {
    pid,
    done,
    kill(reason) {
      killedFor = reason;
      terminate();
    },
  };
}

/**
 * Runs `spawn` with the job's umask, the host's restored before it returns. process.umask() is process-wide,
 * but this is safe: a worker runs one job at a time, nothing else here runs during the synchronous call, and
 * execa forks (uv_spawn) before it returns, so the child takes the job's mask and keeps it through exec,
 * while the worker's own files (the next log) keep the daemon's 077. Setting it in the shell instead
 * (`umask 022; exec sh -c "$cmd"`) would change the command's $0 and its quoting.
 */
function withUmask<T>(mask: number, spawn: () => T): T {
  if (process.platform === 'win32') return spawn();
  const previous = process.umask(mask);
  try {
    return spawn();
  } finally {
    process.umask(previous);
  }
}

function settled(result: RunFinished): RunningCommand {
  return { pid: null, done: Promise.resolve(result), kill: () => {} };
}

function checkDirectory(path: string): string | null {
  try {
    return statSync(path).isDirectory() ? null : `working directory ${path} is not a directory`;
  } catch {
    return `working directory ${path} does not exist`;
  }
}
