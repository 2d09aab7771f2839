import type { QueueEvent } from '../../../protocol/events.js';
import {
  BridgeError,
  NEEDS_LINK_MESSAGE,
  NO_DAEMON_MESSAGE,
  fromRpcError,
  type Transport,
  type TransportHooks,
} from './transport.js';

/** First wait before reopening an event stream the server refused outright; doubles up to the cap. */
const REOPEN_MIN_MS = 1000;
const REOPEN_MAX_MS = 30_000;

/**
 * The dashboard as a web page served by the daemon: events arrive on `/events` (Server-Sent Events), calls
 * go to `POST /rpc` on the same origin. The cookie set when the page loaded authenticates both. Each event
 * stream starts with `event: ready` naming its id; calls carry it in `X-Queuectl-Stream` so that
 * `events.subscribe` applies to this page's stream.
 */
export function webTransport(hooks: TransportHooks): Transport {
  let stream: string | null = null;
  let nextId = 1;
  let reopenDelay = REOPEN_MIN_MS;

  async function call(method: string, params: unknown): Promise<unknown> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (stream) headers['X-Queuectl-Stream'] = stream;
    let response: Response;
    try {
      response = await fetch('rpc', {
        method: 'POST',
        headers,
        credentials: 'same-origin',
        body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
      });
    } catch {
      throw new BridgeError('DISCONNECTED', NO_DAEMON_MESSAGE);
    }
    if (response.status === 401) throw new BridgeError('UNAUTHORIZED', NEEDS_LINK_MESSAGE);
    let body: { result?: unknown; error?: Parameters<typeof fromRpcError>[0] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new BridgeError('INTERNAL', `The daemon answered HTTP ${response.status} without a JSON-RPC response`);
    }
    if (body.error) throw fromRpcError(body.error);
    if (!('result' in body)) throw new BridgeError('INTERNAL', 'The daemon answered without a result');
    return body.result;
  }

  /** The stream was refused for good (an HTTP error, not a dropped connection): find out why, then retry. */
  async function refused(): Promise<void> {
    let problem: BridgeError;
    try {
      await call('status', {});
      problem = new BridgeError('DISCONNECTED', 'The live event stream was refused; trying again shortly');
    } catch (err) {
      problem = err instanceof BridgeError ? err : new BridgeError('DISCONNECTED', NO_DAEMON_MESSAGE);
    }
    hooks.status('disconnected', problem);
    if (problem.code === 'UNAUTHORIZED') return;
    setTimeout(open, reopenDelay);
    reopenDelay = Math.min(reopenDelay * 2, REOPEN_MAX_MS);
  }

  function open(): void {
    hooks.status('connecting', null);
    const source = new EventSource('events');
    source.addEventListener('ready', (e) => {
      try {
        stream = (JSON.parse((e as MessageEvent<string>).data) as { stream: string }).stream;
      } catch {
        return;
      }
      reopenDelay = REOPEN_MIN_MS;
      hooks.status('connected', null);
      hooks.ready();
    });
    source.addEventListener('open', () => hooks.status('connecting', null));
    source.onmessage = (e: MessageEvent<string>) => {
      let event: QueueEvent;
      try {
        event = JSON.parse(e.data) as QueueEvent;
      } catch {
        return;
      }
      hooks.event(event);
    };
    source.onerror = () => {
      stream = null;
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        void refused();
      } else {
        // The browser reconnects by itself; until then the daemon is out of reach.
        hooks.status('disconnected', new BridgeError('DISCONNECTED', NO_DAEMON_MESSAGE));
      }
    };
  }

  open();
  return { call };
}
