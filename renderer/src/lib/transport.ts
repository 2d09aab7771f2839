import type { QueueEvent } from '../../../protocol/events.js';

/** How the dashboard reaches the daemon: the connection state as the bridge shows it. */
export type ConnectionStatus = 'connected' | 'connecting' | 'disconnected';

/** Codes a call can fail with: the daemon's ErrorCode strings, plus the transport's own. */
export type BridgeErrorCode = string;

/** A failed call: `code` is the daemon's data.code (e.g. JOB_NOT_FOUND), or DISCONNECTED / UNAUTHORIZED. */
export class BridgeError extends Error {
  constructor(
    readonly code: BridgeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BridgeError';
  }
}

export const NO_DAEMON_MESSAGE = 'No daemon running: start it with `queuectl worker start`, then `queuectl ui --web`';
export const NEEDS_LINK_MESSAGE = 'This page needs the link printed by `queuectl ui --web`';

/** What a transport tells the bridge as it goes. */
export interface TransportHooks {
  event(event: QueueEvent): void;
  /** The connection changed; `problem` says why when it is down. */
  status(status: ConnectionStatus, problem: BridgeError | null): void;
  /** A (new) event stream is ready: subscriptions must be (re-)sent. */
  ready(): void;
}

/** One way to reach the daemon: the Electron preload or the daemon's web server. */
export interface Transport {
  /** Resolves with the result, rejects with a BridgeError. */
  call(method: string, params: unknown): Promise<unknown>;
}

/** Turns a JSON-RPC error object into a BridgeError. */
export function fromRpcError(error: { code?: unknown; message?: unknown; data?: { code?: unknown } | null }): BridgeError {
  const code = typeof error.data?.code === 'string' ? error.data.code : 'INTERNAL';
  const message = typeof error.message === 'string' ? error.message : 'The daemon refused the request';
  return new BridgeError(code, message);
}
