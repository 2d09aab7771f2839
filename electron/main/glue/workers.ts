import { utilityProcess } from 'electron';
import type { SpawnWorker } from '../../engine/index.js';
import { utilityWorkers, type ForkUtility } from '../utility-workers.js';

/** The engine's workers as Electron utility processes of the shared worker bundle (see utility-workers.ts). */
export function utilityProcessWorkers(entry: string, log: (message: string) => void): SpawnWorker {
  const fork: ForkUtility = (modulePath, args, options) => utilityProcess.fork(modulePath, args, options);
  return utilityWorkers(fork, entry, { log });
}
