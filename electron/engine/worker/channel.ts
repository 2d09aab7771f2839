import type { FromWorker, ToWorker } from './messages.js';

/** The worker's line to the engine: Electron's parentPort in a utility process, the fork IPC channel in Node. */
export interface ParentChannel {
  /** Sends a message; `delivered` runs once it has left this process. */
  send(message: FromWorker, delivered?: () => void): void;
  onMessage(listener: (message: ToWorker) => void): void;
  /** Called when the engine's process is gone. */
  onParentGone(listener: () => void): void;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function parentChannel(): ParentChannel {
  const port = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (port) {
    return {
      send: (m, delivered) => {
        port.postMessage(m);
        delivered?.();
      },
      onMessage: (l) => port.on('message', (e) => l(e.data as ToWorker)),
      onParentGone: (l) => {
        const parent = process.ppid;
        setInterval(() => {
          if (process.ppid !== parent) l();
        }, 1000).unref();
      },
    };
  }
  if (!process.send) throw new Error('the worker must be started by the queuectl engine (no IPC channel)');
  return {
    send: (m, delivered) => process.send!(m, undefined, undefined, () => delivered?.()),
    onMessage: (l) => process.on('message', (m) => l(m as ToWorker)),
    onParentGone: (l) => process.on('disconnect', l),
  };
}
