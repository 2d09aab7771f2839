import { execa, type Options, type ResultPromise } from 'execa';
import type { ShellExit, ShellRunner, ShellSpec, StartedShell } from './spawn-runner.js';

/** How long, after a --keep-children job's shell exited, its pipes are still read into the log. */
const PIPE_SETTLE_MS = 100;

/**
 * Jobs through execa (libuv's fork + exec): the runner wherever the posix_spawn addon is missing (Windows, a
 * failed build), and for --keep-children runs on every platform (their output comes through a pipe).
 * `detached` makes the shell the leader of a new session and process group (setsid).
 */
export const execaRunner: ShellRunner = {
  name: 'execa',
  start(spec: ShellSpec): StartedShell {
    const windows = process.platform === 'win32';
    const piped = 'pipe' in spec.output;
    /** execa accepts a file descriptor here at run time; its types only admit literal numbers. */
    const out = ('fd' in spec.output ? spec.output.fd : 'pipe') as unknown as NonNullable<Options['stdout']>;
    const options: Options = {
      cwd: spec.cwd ?? undefined,
      env: spec.env,
      extendEnv: false,
      stdin: 'ignore',
      stdout: out,
      stderr: out,
      buffer: false,
      detached: !windows,
      cleanup: false,
      reject: false,
      windowsVerbatimArguments: windows,
    };
    const shell = windows ? process.env.ComSpec || 'cmd.exe' : '/bin/sh';
    const child = withUmask(spec.umask, () => execa(shell, windows ? ['/d', '/s', '/c', spec.command] : ['-c', spec.command], options));
    if ('pipe' in spec.output) {
      child.stdout?.on('data', spec.output.pipe);
      child.stderr?.on('data', spec.output.pipe);
    }
    return { pid: child.pid ?? null, exit: shellExit(child, piped) };
  },
};

/**
 * How the job's shell ended. With the log's fd as its output, execa settles at the shell's exit. With pipes
 * (--keep-children) execa waits for them to close, which kept processes may never do: the exit event then.
 */
function shellExit(child: ResultPromise, piped: boolean): Promise<ShellExit> {
  const settled = child.then((result) => ({
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    message: result.exitCode === undefined && !result.signal ? result.originalMessage || result.shortMessage || null : null,
  }));
  if (!piped) return settled;
  const exited = new Promise<ShellExit>((resolve) => child.once('exit', (code, signal) => resolve({ exitCode: code, signal, message: null })));
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
