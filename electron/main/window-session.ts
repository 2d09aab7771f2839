import type { QueueEvent } from '../../protocol/index.js';
import type { Session } from '../engine/rpc/session.js';
import { EVENT_CHANNEL } from './ipc-guard.js';

/** What a window session needs of a webContents: Electron's WebContents has both. */
export interface EventTarget {
  isDestroyed(): boolean;
  send(channel: string, event: QueueEvent): void;
}

/**
 * The engine-side client for one dashboard window: `events.subscribe` from that window registers this
 * session, and the engine's events come back to it over `queuectl:event`. A window that is gone drops them;
 * glue/ipc.ts tells the engine to forget the session when the webContents is destroyed.
 */
export function windowSession(target: EventTarget): Session {
  return {
    push(event) {
      if (!target.isDestroyed()) target.send(EVENT_CHANNEL, event);
    },
  };
}
