/**
 * How a job's shell is started: one small interface, two runners (worker/spawn-posix.ts through the native
 * addon, worker/spawn-execa.ts through execa), chosen once per worker process (worker/spawn-choice.ts).
 * Everything around the start (log, timeout, kill, containment) is worker/run-command.ts's, the same for both.
 */

/** The runners by name, as QUEUECTL_RUNNER spells them and the daemon log reports them. */
export type RunnerName = 'execa' | 'posix_spawn';

/** One job's shell: `sh -c <command>` (cmd.exe /c on Windows). */
export interface ShellSpec {
  command: string;
  cwd: string | null;
  /** The whole environment, exactly. */
  env: Record<string, string>;
  umask: number;
  /** stdout and stderr: the log's fd, or (--keep-children, execa only) a pipe whose chunks go to `pipe`. */
  output: { fd: number } | { pipe: (chunk: Buffer) => void };
}

/** How the shell ended: an exit code, or a signal name, or neither with why it could not start. */
export interface ShellExit {
  exitCode: number | null;
  signal: string | null;
  message: string | null;
}

export interface StartedShell {
  /** The shell's pid (leader of its own session and process group), or null when it could not start. */
  pid: number | null;
  /** Settles when the shell has exited (never rejects). */
  exit: Promise<ShellExit>;
}

export interface ShellRunner {
  name: RunnerName;
  start(spec: ShellSpec): StartedShell;
}
