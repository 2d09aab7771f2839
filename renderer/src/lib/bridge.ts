import type { QueueEvent, SubscribeParams } from '../../../protocol/events.js';
import type { MethodName, ParamsOf, ResultOf } from '../../../protocol/methods.js';
import { electronTransport } from './transport-electron.js';
import { webTransport } from './transport-web.js';
import { BridgeError, type ConnectionStatus, type Transport, type TransportHooks } from './transport.js';

export { BridgeError, type ConnectionStatus } from './transport.js';

/**
 * The dashboard's one way to the daemon. It picks the transport once (the Electron preload when
 * `window.queuectl` exists, the daemon's web server otherwise), remembers the last subscription and
 * re-sends it on every (re)connect, and fans events and connection changes out to listeners.
 */

type Listener<T> = (value: T) => void;

const eventListeners = new Set<Listener<QueueEvent>>();
const statusListeners = new Set<Listener<ConnectionState>>();
const connectListeners = new Set<() => void>();

/** The connection, and when it is down, why (with what to do about it). */
export interface ConnectionState {
  status: ConnectionStatus;
  problem: BridgeError | null;
}

let transport: Transport | null = null;
let state: ConnectionState = { status: 'connecting', problem: null };
let subscription: SubscribeParams | null = null;
let sending: Promise<unknown> = Promise.resolve();
/** Counts `ready`s, so that only the latest connection notifies connect listeners. */
let readyCount = 0;

const hooks: TransportHooks = {
  event(event) {
    for (const listener of eventListeners) listener(event);
  },
  status(status, problem) {
    state = { status, problem };
    for (const listener of statusListeners) listener(state);
  },
  ready() {
    // Listeners re-read what they show; they must do so only once the daemon delivers events again to this
    // connection, or a change between their read and the subscription would never reach the page.
    const mine = ++readyCount;
    void sendSubscription()
      .catch(() => undefined)
      .finally(() => {
        // A newer connection notifies for itself.
        if (mine !== readyCount) return;
        for (const listener of connectListeners) listener();
      });
  },
};

/** Starts the transport (once). Called by the first use of anything below. */
export function connect(): Transport {
  transport ??= window.queuectl ? electronTransport(window.queuectl, hooks) : webTransport(hooks);
  return transport;
}

/** Calls one protocol method; rejects with a BridgeError. */
export async function call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
  try {
    return (await connect().call(method, params)) as ResultOf<M>;
  } catch (err) {
    if (err instanceof BridgeError) throw err;
    throw new BridgeError('INTERNAL', err instanceof Error ? err.message : String(err));
  }
}

/** Receives every QueueEvent this page is subscribed to. Returns the unsubscribe function. */
export function onEvent(listener: Listener<QueueEvent>): () => void {
  connect();
  eventListeners.add(listener);
  return () => eventListeners.delete(listener);
}

/** Receives the connection state now and on every change. */
export function onStatus(listener: Listener<ConnectionState>): () => void {
  connect();
  statusListeners.add(listener);
  listener(state);
  return () => statusListeners.delete(listener);
}

/**
 * Runs after every (re)connect, once the subscription was re-sent (or refused): events may have been missed
 * while the connection was down, and anything that changes from now on is delivered as an event.
 */
export function onConnect(listener: () => void): () => void {
  connect();
  connectListeners.add(listener);
  return () => connectListeners.delete(listener);
}

export function connectionState(): ConnectionState {
  return state;
}

/**
 * Chooses which events this page receives, now if connected and again after every reconnect. Calls are
 * sent one after another, so the daemon always ends up with the latest choice.
 */
export function subscribe(params: SubscribeParams): Promise<void> {
  connect();
  subscription = params;
  return sendSubscription();
}

function sendSubscription(): Promise<void> {
  const next = sending.then(async () => {
    const params = subscription;
    if (!params || state.status !== 'connected') return;
    try {
      await call('events.subscribe', params);
    } catch (err) {
      // A followed log whose job is gone must not cost the page its job events: follow no log from now on.
      // Any other refusal (the connection dropped, the event stream was replaced: "unknown event stream",
      // the daemon is stopping) says nothing about the job: the subscription stays as it is, and the next
      // `ready` sends it again.
      if (!params.log || !isGone(err)) throw err;
      if (subscription === params) {
        subscription = { jobs: params.jobs };
        await call('events.subscribe', subscription);
      }
      throw err;
    }
  });
  sending = next.catch(() => undefined);
  return next;
}

/** The call was refused because the job it names does not exist (any more), or the prefix names several. */
function isGone(err: unknown): boolean {
  return err instanceof BridgeError && (err.code === 'JOB_NOT_FOUND' || err.code === 'AMBIGUOUS_ID');
}

/** The page is served by the daemon's web server (not the desktop window): after a daemon restart it needs a new link. */
export function isWebPage(): boolean {
  return !window.queuectl;
}
