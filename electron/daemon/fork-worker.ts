import { fork } from 'node:child_process';
import type { SpawnWorker } from '../engine/index.js';
import type { FromWorker } from '../engine/worker/messages.js';

/**
 * A worker mostly waits and forks. Each fork() copies the worker's page tables, so a small process forks
 * faster: a 1 MB young generation and V8's lite mode (no optimizing compiler) take it from ~66 to ~53 MB
 * and raise its spawn rate by ~12% (bench/README.md). --no-expose-wasm silences lite mode's warning.
 * The desktop host's utility-process workers get the same flags (electron/main/utility-workers.ts).
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=64', '--lite-mode', '--no-expose-wasm'];

/**
 * Worker processes for the headless daemon: child_process.fork of the worker bundle. With `log` (a detached
 * daemon that writes daemon.log itself) whatever a worker prints goes there line by line; without it the
 * workers share the daemon's stdout and stderr.
 */
export function forkWorkers(entry: string, log?: (message: string) => void): SpawnWorker {
  return (workerId) => {
    const child = fork(entry, [], {
      stdio: ['ignore', log ? 'pipe' : 'inherit', log ? 'pipe' : 'inherit', 'ipc'],
      env: { ...process.env, QUEUECTL_WORKER_ID: String(workerId) },
      execArgv: WORKER_NODE_FLAGS,
    });
    if (log) {
      for (const stream of [child.stdout, child.stderr]) {
        stream?.setEncoding('utf8');
        stream?.on('data', (text: string) => {
          for (const line of text.split('\n')) if (line.trim() !== '') log(`worker ${workerId}: ${line}`);
        });
      }
    }
    const say = log ?? ((message: string) => process.stderr.write(`${message}\n`));
    return {
      pid: child.pid ?? null,
      send: (message) => {
        if (child.connected) child.send(message);
      },
      onMessage: (listener) => child.on('message', (m) => listener(m as FromWorker)),
      // 'close' comes after the IPC channel is drained, so a last 'finished' message is never lost to 'exit'.
      onExit: (listener) => {
        let reported = false;
        const report = (code: number | null, signal: string | null): void => {
          if (!reported) listener(code, signal);
          reported = true;
        };
        child.once('close', report);
        child.once('error', (err) => {
          say(`queuectl: worker ${workerId} could not run: ${err.message}`);
          if (child.pid === undefined) setImmediate(() => report(null, null));
        });
      },
      kill: () => child.kill('SIGKILL'),
    };
  };
}
