import {
  EVENT_NOTIFICATION,
  QueueError,
  RPC_INTERNAL_ERROR,
  isMethodName,
  type MethodName,
  type ParamsOf,
  type QueueEvent,
  type RpcErrorObject,
} from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import type { Engine } from '../engine/index.js';
import type { DispatchOutcome } from '../engine/rpc/dispatch.js';
import type { Session } from '../engine/rpc/session.js';

/**
 * How the desktop host reaches the engine on behalf of a client (the dashboard window, the tray). Code in
 * electron/main uses only this interface. Two implementations:
 *
 * - direct: the engine's own dispatch() with the caller's Session, as the socket and the web server use it.
 *   startEngine does not return dispatch yet; EngineSeams below is the seam this host needs (docs/desktop.md).
 * - socket: until then, each Session gets its own connection to the engine's socket in this very process.
 *   The engine still runs every call through dispatch() for that connection and pushes the session's events
 *   as notifications, which this link hands to session.push. Same methods, same errors, same events.
 */
export interface EngineLink {
  /** Which implementation this is, for the log. */
  readonly kind: 'direct' | 'socket';
  dispatch(session: Session, method: MethodName, params: unknown): Promise<DispatchOutcome>;
  /** Forgets a session whose client went away (its subscriptions end). */
  drop(session: Session): void;
  /** Pausing the queue, when the engine offers it; null until then (the tray item stays disabled). */
  readonly pause: PauseControl | null;
  close(): void;
}

export interface PauseControl {
  paused(): boolean;
  setPaused(paused: boolean): void;
}

/**
 * What the desktop host needs from the running engine beyond Engine today. Proposed signatures; the engine
 * owners decide. `dispatch` and `dropSession` are rpc/dispatch.ts and ctx.hub.drop bound to the engine's
 * context; `setPaused`/`paused` stop and restart claiming (running jobs go on).
 */
export interface EngineSeams {
  dispatch(session: Session, method: unknown, params: unknown): Promise<DispatchOutcome>;
  dropSession(session: Session): void;
  setPaused(paused: boolean): void;
  paused(): boolean;
}

/** Options the desktop host passes to startEngine that the engine does not read yet (see docs/desktop.md). */
export interface EngineOptionSeams {
  /** better-sqlite3's `nativeBinding` for openDatabase: the Electron build (native-binding.ts). */
  nativeBinding?: string;
  /** Lets a protocol method such as a future `ui.show` reach the window (for `queuectl ui`). */
  host?: DesktopHostHooks;
}

export interface DesktopHostHooks {
  /** Shows (creating if needed) and focuses the dashboard window, at a hash route or where it was. */
  showDashboard(route: string | null): void;
}

/** An engine that may already carry some of the seams. */
export type DesktopEngine = Engine & Partial<EngineSeams>;

/** The direct link when the engine offers dispatch, else the socket link. */
export function engineLink(engine: DesktopEngine, home: string): EngineLink {
  const pause = typeof engine.setPaused === 'function' && typeof engine.paused === 'function'
    ? { paused: () => engine.paused!(), setPaused: (p: boolean) => engine.setPaused!(p) }
    : null;
  if (typeof engine.dispatch === 'function' && typeof engine.dropSession === 'function') {
    return {
      kind: 'direct',
      dispatch: (session, method, params) => engine.dispatch!(session, method, params),
      drop: (session) => engine.dropSession!(session),
      pause,
      close: () => {},
    };
  }
  return { ...socketLink(home), pause };
}

type Connect = (home: string, client: string) => Promise<RpcClient>;

/** One socket connection per session, opened on its first call. */
export function socketLink(home: string, connect: Connect = (h, c) => RpcClient.connect(h, c)): EngineLink {
  const clients = new Map<Session, Promise<RpcClient>>();

  const clientFor = (session: Session): Promise<RpcClient> => {
    let pending = clients.get(session);
    if (!pending) {
      pending = connect(home, 'desktop').then((client) => {
        client.onNotification = (n) => {
          if (n.method === EVENT_NOTIFICATION) session.push(n.params as QueueEvent);
        };
        void client.closed().then(() => {
          if (clients.get(session) === pending) clients.delete(session);
        });
        return client;
      });
      pending.catch(() => clients.delete(session));
      clients.set(session, pending);
    }
    return pending;
  };

  return {
    kind: 'socket',
    pause: null,
    async dispatch(session, method, params) {
      if (!isMethodName(method) || method === 'hello') {
        return { error: new QueueError('METHOD_NOT_FOUND', `unknown method ${JSON.stringify(method)}`).toRpc() };
      }
      try {
        const client = await clientFor(session);
        return { result: await client.call(method, params as ParamsOf<typeof method>) };
      } catch (err) {
        return { error: asRpcError(err) };
      }
    },
    drop(session) {
      const pending = clients.get(session);
      clients.delete(session);
      void pending?.then((client) => client.close(), () => {});
    },
    close() {
      for (const session of [...clients.keys()]) this.drop(session);
    },
  };
}

function asRpcError(err: unknown): RpcErrorObject {
  if (err instanceof QueueError) return err.toRpc();
  return { code: RPC_INTERNAL_ERROR, message: err instanceof Error ? err.message : String(err), data: { code: 'INTERNAL' } };
}
