import { statSync } from 'node:fs';
import { execa, type Options, type ResultPromise } from 'execa';
import { CappedLog } from './log-file.js';
import { killRun, newRunMarker, RUN_MARKER_VAR, signalRun, type RunTrace } from './contain.js';
import { startTicks } from './proc-scan.js';
import { STOPPED_OWN_DAEMON, type KillReason, type RunFinished, type RunRequest } from './messages.js';

/** How long a tree gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;
/** How often a running job's log is checked against the cap. */
const LOG_CHECK_MS = 250;
/** How long, after a --keep-children job's shell exited, its pipes are still read into the log. */
const PIPE_SETTLE_MS = 100;

/** A job being run: call kill() to end it early; `done` resolves when its shell has exited and its processes are gone. */
export interface RunningCommand {
  pid: number | null;
  done: Promise<RunFinished>;
  /** SIGTERM to every process of the run, SIGKILL to all after the grace. */
  kill(reason: KillReason): void;
  /** SIGKILL to every process of the run, synchronously (the worker is exiting: worker/job-group-guard.ts). */
  destroy(): void;
}

/**
 * Runs `sh -c <command>` (cmd.exe on Windows) as the leader of a new process group and session, its stdout
 * and stderr written straight into the job's log, every process it starts marked with QUEUECTL_RUN; ends all
 * of them on timeout or kill, and when the shell exits (unless `keepChildren`).
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
  // --keep-children: the kept processes would hold the log's fd after the run; a pipe the worker drains
  // instead (capped as written, the rest discarded, until the last writer closes it) keeps the log final.
  const piped = req.keepChildren === true && !windows;
  /** execa accepts a file descriptor here at run time; its types only admit literal numbers. */
  const logFd = log.fd as unknown as NonNullable<Options['stdout']>;
  const marker = req.queuectlEnv[RUN_MARKER_VAR] ?? newRunMarker();
  const options: Options = {
    cwd: req.cwd ?? undefined,
    env: { ...(req.env ?? process.env), ...req.queuectlEnv, [RUN_MARKER_VAR]: marker },
    extendEnv: false,
    stdin: 'ignore',
    stdout: piped ? 'pipe' : logFd,
    stderr: piped ? 'pipe' : logFd,
    buffer: false,
    detached: !windows,
    cleanup: false,
    reject: false,
    windowsVerbatimArguments: windows,
  };
  const shell = windows ? process.env.ComSpec || 'cmd.exe' : '/bin/sh';
  const child = withUmask(req.umask, () => execa(shell, windows ? ['/d', '/s', '/c', req.command] : ['-c', req.command], options));
  const pid = child.pid ?? null;
  const trace: RunTrace = { leader: pid, marker, since: pid === null ? null : startTicks(pid) };

  let ended = false;
  if (piped) {
    const take = (chunk: Buffer): void => {
      if (!ended) log.write(chunk);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
  }

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

  const done = shellExit(child, piped).then((result) => {
    if (timer) clearTimeout(timer);
    if (capCheck) clearInterval(capCheck);
    if (escalation) clearTimeout(escalation);
    // A queue runs a job, not its leftovers: whatever the run started dies with it (docs/jobs.md, "Process
    // lifetime"); with nothing left holding the log's fd, the cap below is final.
    if (timedOut || killedFor !== null || req.keepChildren !== true) killRun(trace);
    ended = true;
    log.close();
    const exitCode = result.exitCode;
    const signal = result.signal;
    let error: string | null = null;
    if (timedOut) error = `timed out after ${req.timeoutMs} ms; the process tree was killed`;
    else if (killedFor === 'canceled') error = 'canceled by the user';
    else if (killedFor === 'requeued') error = 'stopped by a graceful shutdown that ran out of time';
    else if (killedFor === 'stopped_own_daemon') error = STOPPED_OWN_DAEMON;
    else if (signal) error = `killed by ${signal}`;
    else if (exitCode === null) error = result.message || 'could not start the command';
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
    destroy() {
      killRun(trace);
    },
  };
}

/**
 * How the job's shell ended. With the log's fd as its output, execa settles at the shell's exit. With pipes
 * (--keep-children) execa waits for them to close, which kept processes may never do: the exit event then.
 */
function shellExit(child: ResultPromise, piped: boolean): Promise<{ exitCode: number | null; signal: string | null; message: string | null }> {
  const settled = child.then((result) => ({
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    message: result.exitCode === undefined && !result.signal ? result.originalMessage || result.shortMessage || null : null,
  }));
  if (!piped) return settled;
  const exited = new Promise<{ exitCode: number | null; signal: string | null; message: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ exitCode: code, signal, message: null })),
  );
  // What the shell itself wrote before it exited may still be in the pipes: read until they close, or for
  // PIPE_SETTLE_MS when kept processes hold them open.
  const streamsClosed = Promise.all([child.stdout, child.stderr].map((s) => (s ? new Promise((r) => s.once('close', r)) : null)));
  return Promise.race([exited, settled]).then((result) =>
    Promise.race([streamsClosed, new Promise((r) => setTimeout(r, PIPE_SETTLE_MS))]).then(() => result),
  );
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
  return { pid: null, done: Promise.resolve(result), kill: () => {}, destroy: () => {} };
}

function checkDirectory(path: string): string | null {
  try {
    return statSync(path).isDirectory() ? null : `working directory ${path} is not a directory`;
  } catch {
    return `working directory ${path} does not exist`;
  }
}
