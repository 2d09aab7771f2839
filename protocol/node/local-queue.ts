import type { RpcErrorObject } from '../errors.js';

/**
 * A home's queue opened by a queuectl command itself because no daemon answers: the engine's dispatch run
 * in-process (electron/engine/in-process.ts, bundled to out/node/local.js and loaded by the CLI only then).
 */
export interface LocalQueue {
  /** Runs a method as the daemon would: the same handlers, checks, transitions and errors. */
  call(method: string, params: unknown): Promise<{ result: unknown } | { error: RpcErrorObject }>;
  /** The `autostart` setting: start a daemon instead of working on the store here. */
  readonly autostart: boolean;
  /** Waits for what the calls left under way (log deletions), closes the store and releases the home. */
  close(): Promise<void>;
}

/**
 * Opens the home's store, holding the home's lock so no daemon starts meanwhile (a starting one waits).
 * Another command holding it is waited for up to `waitMs`; 'daemon' when a daemon holds the home (it is
 * starting, or its socket is not there yet): talk to it instead.
 */
export type OpenLocalQueue = (home: string, options: { waitMs: number }) => Promise<LocalQueue | 'daemon'>;
