import type { IncomingMessage, ServerResponse } from 'node:http';
import { QueueError } from '../../../protocol/index.js';
import type { EngineContext } from '../context.js';
import { dispatch } from '../rpc/dispatch.js';
import { parseRequest } from '../rpc/request.js';
import { encodeResponse, type RpcResponse } from '../rpc/response.js';
import type { Session } from '../rpc/session.js';
import type { EventStreams } from './event-streams.js';
import { sendText } from './headers.js';
import type { RefusalLog } from './refusals.js';
import { readBody } from './request-body.js';

/** Largest request body POST /rpc accepts. */
export const MAX_RPC_BODY_BYTES = 1024 * 1024;
/** Names the event stream whose session a call acts for (so `events.subscribe` delivers there). */
export const STREAM_HEADER = 'x-queuectl-stream';

/** What POST /rpc needs from the server around it. */
export interface RpcEndpointDeps {
  ctx: EngineContext;
  streams: EventStreams;
  refusals: RefusalLog;
  log: (msg: string) => void;
  /**
   * True once this server is closing, which ends every event stream: a call naming one then gets dispatch's
   * SHUTTING_DOWN (the engine is closing too), not "unknown event stream".
   */
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
async function answerFor(body: Buffer, streamHeader: string | string[] | undefined, deps: RpcEndpointDeps): Promise<RpcResponse | null> {
  const req = parseRequest(body);
  if ('error' in req) return { id: req.id, error: req.error };

  let session: Session;
  let temporary = false;
  const found = typeof streamHeader === 'string' ? deps.streams.session(streamHeader) : undefined;
  if (found) {
    session = found;
  } else if (streamHeader === undefined || deps.closing()) {
    // No stream named, or one the closing server ended (dispatch then answers SHUTTING_DOWN): a session of its own.
    session = { push: () => undefined };
    temporary = true;
  } else {
    return { id: req.id, error: new QueueError('INVALID_ARGUMENT', 'unknown event stream; reconnect').toRpc() };
  }
  try {
    const outcome = await dispatch(deps.ctx, session, req.method, req.params, deps.log);
    return req.hasId ? { id: req.id, ...outcome } : null;
  } finally {
    if (temporary) deps.ctx.hub.drop(session);
  }
}

/** Sends a JSON-RPC response; one over the message cap becomes the same error the socket sends. */
function sendJson(res: ServerResponse, message: RpcResponse): void {
  const bytes = Buffer.from(encodeResponse(message));
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(bytes.length) });
  res.end(bytes);
}
