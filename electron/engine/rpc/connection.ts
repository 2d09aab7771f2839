import { timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  LineSplitter,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  PRODUCT_VERSION,
  QueueError,
  EVENT_NOTIFICATION,
  RPC_INVALID_REQUEST,
  encodeFrame,
  type HelloResult,
  type QueueEvent,
  type RpcErrorObject,
} from '../../../protocol/index.js';
import type { EngineContext } from '../context.js';
import { dispatch } from './dispatch.js';
import { encodeResponse, type RpcResponse } from './response.js';
import { parseRequest, type RpcId } from './request.js';
import type { Session } from './session.js';

/** A client has this long to say hello. */
export const HELLO_TIMEOUT_MS = 5000;
/** A wrong token is answered only after this delay, to make guessing slow. */
export const BAD_TOKEN_DELAY_MS = 300;
/** A subscriber that lets this much unread output pile up is disconnected rather than buffered without end. */
const MAX_PENDING_EVENT_BYTES = 32 * 1024 * 1024;

/**
 * One client connection: splits lines, insists on a hello with the right token and version first, then
 * answers requests in order. Malformed input is answered with a JSON-RPC error; a line over the cap, a
 * wrong token or a silent client closes the connection. Nothing a client sends can take the daemon down.
 */
export function serveConnection(
  socket: Socket,
  ctx: EngineContext,
  token: Buffer,
  log: (msg: string) => void,
  onAuthenticated: () => void,
): void {
  const splitter = new LineSplitter(MAX_FRAME_BYTES);
  let authenticated = false;
  /** No more input is read (a refusal or an oversized line is being answered). */
  let closing = false;
  /** The connection was refused; lines already queued behind the refusal are dropped, not run. */
  let refused = false;
  let queue: Promise<void> = Promise.resolve();

  const helloTimer = setTimeout(() => {
    if (!authenticated) socket.destroy();
  }, HELLO_TIMEOUT_MS);
  const session: Session = {
    push(event: QueueEvent) {
      if (socket.destroyed || !socket.writable) return;
      if (socket.writableLength > MAX_PENDING_EVENT_BYTES) {
        log('a subscriber stopped reading its events; disconnected it');
        socket.destroy();
        return;
      }
      socket.write(encodeFrame({ jsonrpc: '2.0', method: EVENT_NOTIFICATION, params: event }));
    },
  };
  socket.on('close', () => {
    clearTimeout(helloTimer);
    ctx.hub.drop(session);
  });
  socket.on('error', () => socket.destroy());

  const send = (message: RpcResponse): void => {
    if (socket.destroyed || !socket.writable) return;
    socket.write(encodeResponse(message) + '\n');
  };
  const sendError = (id: RpcId, error: RpcErrorObject): void => send({ id, error });
  const refuse = (id: RpcId, err: QueueError): void => {
    closing = true;
    refused = true;
    sendError(id, err.toRpc());
    socket.end();
  };

  socket.on('data', (chunk: Buffer) => {
    if (closing) return;
    const { lines, overflow } = splitter.push(chunk);
    for (const line of lines) queue = queue.then(() => handleLine(line)).catch((err) => log(`connection error: ${String(err)}`));
    if (overflow) {
      closing = true;
      queue = queue.then(() => {
        sendError(null, { code: RPC_INVALID_REQUEST, message: `message larger than ${MAX_FRAME_BYTES} bytes`, data: { code: 'BAD_REQUEST' } });
        socket.end();
        socket.destroySoon();
      });
    }
  });

  async function handleLine(line: string | null): Promise<void> {
    if (socket.destroyed || refused) return;
    const req = parseRequest(line);
    if ('error' in req) return sendError(req.id, req.error);

    if (!authenticated) {
      if (req.method !== 'hello') return refuse(req.id, new QueueError('UNAUTHORIZED', 'say hello with the token first'));
      return hello(req.id, req.params);
    }
    if (req.method === 'hello') return sendError(req.id, new QueueError('UNAUTHORIZED', 'hello was already said on this connection').toRpc());
    const outcome = await dispatch(ctx, session, req.method, req.params, log);
    if (req.hasId) send({ id: req.id, ...outcome });
  }

  async function hello(id: RpcId, raw: unknown): Promise<void> {
    const params = (typeof raw === 'object' && raw !== null ? raw : {}) as { token?: unknown; protocol_version?: unknown };
    const given = typeof params.token === 'string' ? Buffer.from(params.token) : Buffer.alloc(0);
    if (given.length !== token.length || !timingSafeEqual(given, token)) {
      closing = true;
      refused = true;
      await new Promise((r) => setTimeout(r, BAD_TOKEN_DELAY_MS));
      return refuse(id, new QueueError('UNAUTHORIZED', 'wrong token'));
    }
    if (params.protocol_version !== PROTOCOL_VERSION) {
      return refuse(
        id,
        new QueueError('VERSION_MISMATCH', `the daemon speaks protocol ${PROTOCOL_VERSION}, the client ${String(params.protocol_version)}; use matching versions of queuectl`),
      );
    }
    authenticated = true;
    clearTimeout(helloTimer);
    onAuthenticated();
    const result: HelloResult = { protocol_version: PROTOCOL_VERSION, version: PRODUCT_VERSION, pid: process.pid };
    send({ id, result });
  }
}
