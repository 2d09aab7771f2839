/** Standard JSON-RPC 2.0 error codes. */
export const RPC_PARSE_ERROR = -32700;
export const RPC_INVALID_REQUEST = -32600;
export const RPC_METHOD_NOT_FOUND = -32601;
export const RPC_INVALID_PARAMS = -32602;
export const RPC_INTERNAL_ERROR = -32603;
/** Application errors (JSON-RPC's server-defined range). */
export const RPC_APPLICATION_ERROR = -32000;

/** The string in `error.data.code` that says what went wrong, for programs. */
export type ErrorCode =
  /** A parameter has the wrong type, range or format. The CLI exits 2. */
  | 'INVALID_ARGUMENT'
  /** No job has this id or id prefix. */
  | 'JOB_NOT_FOUND'
  /** The id prefix matches more than one job (or, for schedule methods, more than one schedule). */
  | 'AMBIGUOUS_ID'
  /** No schedule has this id or id prefix. */
  | 'SCHEDULE_NOT_FOUND'
  /** No job or `queue.set` ever named this queue (pause/resume --queue, list --queue); the message lists the queues. The CLI exits 1. */
  | 'QUEUE_NOT_FOUND'
  /** A job with this id exists already. */
  | 'DUPLICATE_ID'
  /** The job is in a state that does not allow the operation (e.g. `dlq retry` of a job that is not dead). */
  | 'INVALID_STATE'
  /** hello was missing, carried a wrong token, or came twice. */
  | 'UNAUTHORIZED'
  /** Client and server speak different protocol versions. */
  | 'VERSION_MISMATCH'
  /** The daemon is stopping and takes no new work. */
  | 'SHUTTING_DOWN'
  /** The database could not be written (read-only file, full disk). Nothing was changed. */
  | 'STORAGE_ERROR'
  /** The request line was not valid JSON-RPC, or too large. */
  | 'BAD_REQUEST'
  /** Unknown method. */
  | 'METHOD_NOT_FOUND'
  /** No daemon answers on the socket (client side only). */
  | 'NOT_RUNNING'
  /** A bug: the daemon logged the details. */
  | 'INTERNAL';

/** The `error` member of a JSON-RPC response. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data: { code: ErrorCode; [key: string]: unknown };
}

/** JSON-RPC numeric code that goes with each ErrorCode. */
export function rpcCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'BAD_REQUEST':
      return RPC_INVALID_REQUEST;
    case 'METHOD_NOT_FOUND':
      return RPC_METHOD_NOT_FOUND;
    case 'INVALID_ARGUMENT':
      return RPC_INVALID_PARAMS;
    case 'INTERNAL':
      return RPC_INTERNAL_ERROR;
    default:
      return RPC_APPLICATION_ERROR;
  }
}

/** An expected failure with a code and a message meant for the user. Thrown by handlers, sent as an RPC error. */
export class QueueError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'QueueError';
  }

  toRpc(): RpcErrorObject {
    return { code: rpcCodeFor(this.code), message: this.message, data: { ...this.details, code: this.code } };
  }
}
