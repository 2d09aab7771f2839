import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  MAX_FRAME_BYTES,
  QueueError,
  RPC_INVALID_REQUEST,
  RPC_PARSE_ERROR,
  type RpcErrorObject,
} from '../../../protocol/index.js';
import type { EngineContext } from '../context.js';
import { dispatch } from '../rpc/dispatch.js';
import type { Session } from '../rpc/session.js';
import type { EventStreams } from './event-streams.js';
import { sendText } from './headers.js';
import type { RefusalLog } from './refusals.js';
import { readBody } from './request-body.js';

/** Largest request body POST /rpc accepts. */
export const MAX_RPC_BODY_BYTES = 1024 * 1024;
/** Names the event stream whose session a call acts for (so `events.subscribe` delivers there). */
export const STREAM_HEADER = 'x-queuectl-stream';

type Id = string | number | null;

/** What POST /rpc needs from the server around it. */
export interface RpcEndpointDeps {
  ctx: EngineContext;
  streams: EventStreams;
  refusals: RefusalLog;
  log: (msg: string) => void;
  /** True once the server is closing: calls are answered SHUTTING_DOWN, as on the socket. */
  closing: () => boolean;
}

/**
 * POST /<prefix>/rpc (Host, prefix, cookie and Origin already checked): one JSON-RPC 2.0 request in the body (JSON, at most
 * MAX_RPC_BODY_BYTES), answered with 200 and the JSON-RPC response that `dispatch` produces, so errors are
 * the same as on the socket. A notification (no id) is run and answered 204.
 */
export async function handleRpc(req: IncomingMessage, res: ServerResponse, deps: RpcEndpointDeps): Promise<void> {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    deps.refusals.refused('content-type', `Content-Type ${JSON.stringify(mediaType).slice(0, 80)}`);
    return sendText(res, 415, 'POST /rpc takes Content-Type: application/json');
  }
  let body: Buffer | null;
  try {
    body = await readBody(req, MAX_RPC_BODY_BYTES);
  } catch {
    return;
  }
  if (body === null) {
    deps.refusals.refused('too-large', `an RPC body over ${MAX_RPC_BODY_BYTES} bytes`);
    return sendText(res, 413, `the request body is over ${MAX_RPC_BODY_BYTES / 1024 / 1024} MiB; ask for less at a time`);
  }
  const answer = await answerFor(body, req.headers[STREAM_HEADER], deps);
  if (answer === null) {
    res.writeHead(204);
    res.end();
    return;
  }
  sendJson(res, answer);
}

/** The JSON-RPC response for one body, or null for a notification. */
async function answerFor(body: Buffer, streamHeader: string | string[] | undefined, deps: RpcEndpointDeps): Promise<object | null> {
  const fail = (id: Id, error: RpcErrorObject) => ({ jsonrpc: '2.0', id, error });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return fail(null, { code: RPC_PARSE_ERROR, message: 'message is not valid UTF-8', data: { code: 'BAD_REQUEST' } });
  }
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return fail(null, { code: RPC_PARSE_ERROR, message: 'message is not valid JSON', data: { code: 'BAD_REQUEST' } });
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return fail(null, { code: RPC_INVALID_REQUEST, message: 'message must be a JSON-RPC 2.0 request object', data: { code: 'BAD_REQUEST' } });
  }
  const req = msg as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
  const id: Id = typeof req.id === 'string' || typeof req.id === 'number' ? req.id : null;
  if (req.jsonrpc !== '2.0' || typeof req.method !== 'string' || (req.id !== undefined && id === null && req.id !== null)) {
    return fail(id, { code: RPC_INVALID_REQUEST, message: 'not a JSON-RPC 2.0 request (need jsonrpc "2.0", a string method, a string or number id)', data: { code: 'BAD_REQUEST' } });
  }
  if (deps.closing()) {
    return fail(id, new QueueError('SHUTTING_DOWN', 'the daemon is stopping; nothing was done. Try again once it runs again').toRpc());
  }

  let session: Session;
  let temporary = false;
  if (streamHeader === undefined) {
    session = { push: () => undefined };
    temporary = true;
  } else {
    const found = typeof streamHeader === 'string' ? deps.streams.session(streamHeader) : undefined;
    if (!found) return fail(id, new QueueError('INVALID_ARGUMENT', 'unknown event stream; reconnect').toRpc());
    session = found;
  }
  try {
    const outcome = await dispatch(deps.ctx, session, req.method, req.params, deps.log);
    return req.id === undefined ? null : { jsonrpc: '2.0', id, ...outcome };
  } finally {
    if (temporary) deps.ctx.hub.drop(session);
  }
}

/** Sends a JSON-RPC response; one over the socket's message cap becomes the same error the socket sends. */
function sendJson(res: ServerResponse, message: object): void {
  let body = JSON.stringify(message);
  if (body.length * 3 > MAX_FRAME_BYTES && Buffer.byteLength(body) > MAX_FRAME_BYTES) {
    const size = Math.ceil(Buffer.byteLength(body) / 2 ** 20);
    const error = new QueueError('INVALID_ARGUMENT', `the answer would be ${size} MiB, over the ${MAX_FRAME_BYTES / 2 ** 20} MiB message cap; ask for less`);
    body = JSON.stringify({ jsonrpc: '2.0', id: (message as { id?: Id }).id ?? null, error: error.toRpc() });
  }
  const bytes = Buffer.from(body);
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(bytes.length) });
  res.end(bytes);
}
