import { MAX_FRAME_BYTES, QueueError, type RpcErrorObject } from '../../../protocol/index.js';
import type { RpcId } from './request.js';

/** One JSON-RPC 2.0 answer, before the transport adds its framing. */
export interface RpcResponse {
  id: RpcId;
  result?: unknown;
  error?: RpcErrorObject;
}

/**
 * The JSON text of an answer, for every transport. An answer over the message cap would be refused by the
 * client's reader, so it becomes an INVALID_ARGUMENT error saying to ask for less.
 */
export function encodeResponse(message: RpcResponse): string {
  const text = JSON.stringify({ jsonrpc: '2.0', ...message });
  // Bytes are at most 3 × UTF-16 units: only count them when the text could be over.
  if (text.length * 3 <= MAX_FRAME_BYTES || Buffer.byteLength(text) <= MAX_FRAME_BYTES) return text;
  const size = Math.ceil(Buffer.byteLength(text) / 2 ** 20);
  const error = new QueueError('INVALID_ARGUMENT', `the answer would be ${size} MiB, over the ${MAX_FRAME_BYTES / 2 ** 20} MiB message cap; ask for less`);
  return JSON.stringify({ jsonrpc: '2.0', id: message.id, error: error.toRpc() });
}
