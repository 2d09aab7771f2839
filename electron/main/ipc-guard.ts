import {
  MAX_FRAME_BYTES,
  QueueError,
  RPC_METHOD_NOT_FOUND,
  isMethodName,
  type MethodName,
  type RpcErrorObject,
} from '../../protocol/index.js';
import { isAppUrl } from './app-protocol.js';

/**
 * Checks one `queuectl:invoke` call before anything runs: it must come from the dashboard window's own
 * webContents, from its top frame, showing the app's own origin; it must name a protocol method (not the
 * socket's `hello`); its params must be one plain object no bigger than a socket message may be. Only then
 * does glue/ipc.ts hand it to the engine's dispatch. The event shape is Electron's IpcMainInvokeEvent,
 * reduced to what is checked, so tests can pass a fake.
 */

/** The channels the preload uses (preload/index.ts spells the same strings; tests/desktop checks it). */
export const INVOKE_CHANNEL = 'queuectl:invoke';
export const EVENT_CHANNEL = 'queuectl:event';

/** Largest params object accepted, measured as JSON: the socket's own frame cap. */
export const MAX_PARAMS_BYTES = MAX_FRAME_BYTES;

export interface FrameLike {
  url: string;
  /** null for a top frame. */
  parent: unknown;
}

export interface InvokeEventLike {
  sender: unknown;
  senderFrame: FrameLike | null;
}

export type CheckedInvoke =
  | { ok: true; method: Exclude<MethodName, 'hello'>; params: Record<string, unknown> }
  | { ok: false; error: RpcErrorObject; /** For the log: a refused sender is worth a line. */ refusedSender: boolean };

/** `trusted` is the dashboard window's webContents (compared by identity), or null while there is none. */
export function checkInvoke(event: InvokeEventLike, args: readonly unknown[], trusted: unknown): CheckedInvoke {
  const sender = senderProblem(event, trusted);
  if (sender) return { ok: false, error: new QueueError('UNAUTHORIZED', sender).toRpc(), refusedSender: true };
  if (args.length < 1 || args.length > 2) return invalid(`invoke takes (method, params); got ${args.length} arguments`);
  const [method, params = {}] = args;
  if (!isMethodName(method) || method === 'hello') {
    const shown = typeof method === 'string' ? JSON.stringify(method.slice(0, 80)) : typeof method;
    return {
      ok: false,
      error: { code: RPC_METHOD_NOT_FOUND, message: `unknown method ${shown}`, data: { code: 'METHOD_NOT_FOUND' } },
      refusedSender: false,
    };
  }
  if (!isPlainObject(params)) return invalid('params must be a plain object');
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(params));
  } catch {
    return invalid('params must be JSON data (no cycles, no BigInt)');
  }
  if (size > MAX_PARAMS_BYTES) return invalid(`params are ${size} bytes; the limit is ${MAX_PARAMS_BYTES}`);
  return { ok: true, method, params };
}

/** Why the sender is refused, or null when it is the dashboard's top frame on the app's origin. */
export function senderProblem(event: InvokeEventLike, trusted: unknown): string | null {
  if (trusted === null || trusted === undefined || event.sender !== trusted) return 'IPC from a window other than the dashboard';
  const frame = event.senderFrame;
  if (!frame) return 'IPC from a frame that is gone';
  if (frame.parent !== null && frame.parent !== undefined) return 'IPC from a subframe';
  if (!isAppUrl(frame.url)) return `IPC from a page outside the app (${originOf(frame.url)})`;
  return null;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function invalid(message: string): CheckedInvoke {
  return { ok: false, error: new QueueError('INVALID_ARGUMENT', message).toRpc(), refusedSender: false };
}

function originOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`.slice(0, 100);
  } catch {
    return 'unparsable URL';
  }
}
