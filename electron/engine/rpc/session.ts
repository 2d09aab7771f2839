import type { QueueEvent } from '../../../protocol/index.js';

/**
 * One client of the daemon, whatever carries it: a socket connection, a browser's event stream, an Electron
 * window. Handlers get the caller's session so `events.subscribe` knows where to deliver; the transport
 * calls `EventHub.drop(session)` when the client goes away.
 */
export interface Session {
  /** Delivers one event; a transport whose client is gone drops it silently. */
  push(event: QueueEvent): void;
}
