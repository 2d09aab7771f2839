import { createRequire } from 'node:module';
import { constants } from 'node:os';
import type { ShellExit, ShellRunner, ShellSpec, StartedShell } from './spawn-runner.js';

/** The native addon (worker/native/spawn.c): posix_spawn of a new session leader, exit reported on the JS thread. */
export interface SpawnAddon {
  spawn(
    file: string,
    argv: string[],
    env: string[],
    cwd: string | null,
    fd: number,
    umask: number,
    onExit: (code: number | null, signal: number | null) => void,
  ): number;
}

/** Loads the addon built into out/native (scripts/build-native.mjs); throws when it is missing or will not load. */
export function loadSpawnAddon(path: string): SpawnAddon {
  const addon = createRequire(import.meta.url)(path) as Partial<SpawnAddon>;
  if (typeof addon.spawn !== 'function') throw new Error(`${path} has no spawn()`);
  return addon as SpawnAddon;
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

/**
 * Jobs through posix_spawn: no fork of the worker's Node heap (bench/README.md). `/bin/sh -c` with the
 * same argv as execa gives it ($0 is /bin/sh), so a command that does not exist is sh's exit 127 as before.
 * Output goes to a file descriptor only: --keep-children runs take the execa runner (worker/run-command.ts).
 */
export function posixRunner(addon: SpawnAddon): ShellRunner {
  return {
    name: 'posix_spawn',
    start(spec: ShellSpec): StartedShell {
      if (!('fd' in spec.output)) throw new Error('the posix_spawn runner writes output to a file descriptor only');
      const env = Object.entries(spec.env).map(([key, value]) => `${key}=${value}`);
      // C strings end at a NUL: refuse one as Node's spawn does, rather than run a shortened command.
      if (spec.command.includes('\0') || env.some((pair) => pair.includes('\0'))) {
        return { pid: null, exit: Promise.resolve({ exitCode: null, signal: null, message: 'the command or its environment holds a NUL byte' }) };
      }
      let resolve!: (exit: ShellExit) => void;
      const exit = new Promise<ShellExit>((r) => (resolve = r));
      try {
        const pid = addon.spawn('/bin/sh', ['/bin/sh', '-c', spec.command], env, spec.cwd, spec.output.fd, spec.umask, (code, signal) =>
          resolve({ exitCode: code, signal: signal === null ? null : (SIGNAL_NAMES.get(signal) ?? `signal ${signal}`), message: null }),
        );
        return { pid, exit };
      } catch (err) {
        return { pid: null, exit: Promise.resolve({ exitCode: null, signal: null, message: (err as Error).message }) };
      }
    },
  };
}
