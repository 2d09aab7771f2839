import { fork } from 'node:child_process';
import type { SpawnWorker } from '../engine/index.js';
import type { FromWorker } from '../engine/worker/messages.js';

/** Worker processes for the headless daemon: child_process.fork of the worker bundle. */
export function forkWorkers(entry: string): SpawnWorker {
  return (workerId) => {
    const child = fork(entry, [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, QUEUECTL_WORKER_ID: String(workerId) },
      // A small young generation keeps the worker's memory, and so the cost of each fork() it makes, down.
      execArgv: ['--max-semi-space-size=1'],
    });
    return {
      pid: child.pid ?? null,
      send: (message) => {
        if (child.connected) child.send(message);
      },
      onMessage: (listener) => child.on('message', (m) => listener(m as FromWorker)),
      onExit: (listener) => child.once('exit', (code, signal) => listener(code, signal)),
      kill: () => child.kill('SIGKILL'),
    };
  };
}
