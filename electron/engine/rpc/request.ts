import { RPC_INVALID_REQUEST, RPC_PARSE_ERROR, type RpcErrorObject } from '../../../protocol/index.js';

/** A JSON-RPC id as an answer echoes it: null when the request had none, or one that could not be read. */
export type RpcId = string | number | null;

/** One well-formed JSON-RPC 2.0 request. */
export interface RpcRequest {
  id: RpcId;
  /** False for a notification (no `id` member): it runs and nothing answers it. */
  hasId: boolean;
  method: string;
  params: unknown;
}

/** A message that is not a request: answer `error` under `id` (null unless the message had a usable id). */
export interface BadRequest {
  id: RpcId;
  error: RpcErrorObject;
}

/**
 * Reads one message, whichever transport carried it (a socket line, an HTTP body): UTF-8, then JSON, then
 * a JSON-RPC 2.0 request object with a string method and a string, number or null id. `null` stands for
 * bytes the transport already found not to be UTF-8 (the socket's LineSplitter). Batches are not supported.
 */
export function parseRequest(message: string | Uint8Array | null): RpcRequest | BadRequest {
  const text = typeof message === 'string' || message === null ? message : decodeUtf8(message);
  if (text === null) return badRequest(null, RPC_PARSE_ERROR, 'message is not valid UTF-8');
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return badRequest(null, RPC_PARSE_ERROR, 'message is not valid JSON');
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return badRequest(null, RPC_INVALID_REQUEST, 'message must be a JSON-RPC 2.0 request object');
  }
  const req = msg as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
  const id: RpcId = typeof req.id === 'string' || typeof req.id === 'number' ? req.id : null;
  if (req.jsonrpc !== '2.0' || typeof req.method !== 'string' || (req.id !== undefined && id === null && req.id !== null)) {
    return badRequest(id, RPC_INVALID_REQUEST, 'not a JSON-RPC 2.0 request (need jsonrpc "2.0", a string method, a string or number id)');
  }
  return { id, hasId: req.id !== undefined, method: req.method, params: req.params };
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

function badRequest(id: RpcId, code: number, message: string): BadRequest {
  return { id, error: { code, message, data: { code: 'BAD_REQUEST' } } };
}
