import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { QueueEvent } from '../../../protocol/index.js';
import type { EventHub } from '../context.js';
import type { Session } from '../rpc/session.js';
import { sendText } from './headers.js';
import type { RefusalLog } from './refusals.js';

/** Most event streams open at once (a browser tab holds one). */
export const MAX_EVENT_STREAMS = 32;
/** A comment line this often keeps proxies and idle timers from closing a quiet stream. */
export const PING_INTERVAL_MS = 15_000;
/** A stream whose client lets this much pile up unread is disconnected rather than buffered without end. */
export const MAX_UNREAD_EVENT_BYTES = 4 * 1024 * 1024;

interface OpenStream {
  res: ServerResponse;
  session: Session;
  timer: NodeJS.Timeout;
}

/**
 * The browser's event streams (Server-Sent Events). Each stream is a Session of its own: it starts with
 * `event: ready` carrying the stream's id, which RPC calls name in `X-Queuectl-Stream` so that
 * `events.subscribe` delivers here; then every QueueEvent pushed to the session follows as one `data:` line.
 */
export class EventStreams {
  private readonly streams = new Map<string, OpenStream>();

  constructor(
    private readonly hub: EventHub,
    private readonly refusals: RefusalLog,
  ) {}

  /** The session of an open stream, or undefined when no stream has this id (any more). */
  session(id: string): Session | undefined {
    return this.streams.get(id)?.session;
  }

  /** Turns a GET /<prefix>/events response into an event stream, or answers 503 when too many are open. */
  open(req: IncomingMessage, res: ServerResponse): void {
    if (this.streams.size >= MAX_EVENT_STREAMS) {
      this.refusals.refused('stream-cap', `already ${MAX_EVENT_STREAMS} event streams open`);
      return sendText(res, 503, `too many dashboard event streams are open (${MAX_EVENT_STREAMS}); close some dashboard tabs, then reload`);
    }
    const id = randomBytes(16).toString('hex');
    const write = (text: string): void => {
      if (res.destroyed || res.writableEnded) return;
      if (res.writableLength > MAX_UNREAD_EVENT_BYTES) {
        this.refusals.refused('slow-reader', 'an event stream stopped reading its events; disconnected it');
        res.destroy();
        return;
      }
      res.write(text);
    };
    const session: Session = { push: (event: QueueEvent) => write(`data: ${JSON.stringify(event)}\n\n`) };
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    req.socket.setNoDelay(true);
    write(`event: ready\ndata: ${JSON.stringify({ stream: id })}\n\n`);
    const timer = setInterval(() => write(': ping\n\n'), PING_INTERVAL_MS);
    timer.unref();
    this.streams.set(id, { res, session, timer });
    res.on('close', () => this.forget(id));
  }

  /** Ends every stream (the server is closing). */
  closeAll(): void {
    for (const [id, stream] of [...this.streams]) {
      this.forget(id);
      stream.res.end();
    }
  }

  private forget(id: string): void {
    const stream = this.streams.get(id);
    if (!stream) return;
    this.streams.delete(id);
    clearInterval(stream.timer);
    this.hub.drop(stream.session);
  }
}
