import type { ServerResponse } from 'node:http';
import type { ErrorCode, ResultOf } from '../../../protocol/index.js';
import { dispatch } from '../rpc/dispatch.js';
import type { Session } from '../rpc/session.js';
import { sendText } from './headers.js';
import type { RpcEndpointDeps } from './rpc-endpoint.js';

/** How each `logs` refusal reads over HTTP. */
const STATUS_FOR: Partial<Record<ErrorCode, number>> = {
  JOB_NOT_FOUND: 404,
  AMBIGUOUS_ID: 404,
  INVALID_ARGUMENT: 400,
  SHUTTING_DOWN: 503,
};

/**
 * GET /<prefix>/log?id=<id>[&run=<n>|latest] (Host, prefix and cookie already checked): the job's whole log,
 * or one run's output, as a file to save (Content-Disposition: attachment). It is read through the `logs`
 * method, chunk by chunk, so it says and refuses exactly what `logs` does and never sends a running job's
 * bytes past its cap; it stops at the size the first chunk reported, so a job still writing gives the log
 * as it was when the download began. The bytes are the file's, whatever their encoding.
 */
export async function sendLogDownload(res: ServerResponse, query: URLSearchParams, deps: RpcEndpointDeps): Promise<void> {
  // As the `logs` method takes them; its own checks answer a missing id or a bad run.
  const run = query.get('run');
  const params = { id: query.get('id'), run: run === null ? undefined : /^\d{1,15}$/.test(run) ? Number(run) : run };
  const session: Session = { push: () => undefined };
  const read = async (offset: number | undefined): Promise<ResultOf<'logs'> | { code: ErrorCode; message: string }> => {
    const outcome = await dispatch(deps.ctx, session, 'logs', { ...params, offset }, deps.log);
    if ('error' in outcome) return { code: outcome.error.data.code, message: outcome.error.message };
    return outcome.result as ResultOf<'logs'>;
  };
  try {
    let chunk = await read(undefined);
    if ('code' in chunk) return sendText(res, STATUS_FOR[chunk.code] ?? 500, chunk.message);
    const end = chunk.size;
    res.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Disposition': `attachment; filename="${fileName(chunk.id, chunk.run)}"`,
    });
    for (;;) {
      const bytes = chunk.data_base64 !== undefined ? Buffer.from(chunk.data_base64, 'base64') : Buffer.from(chunk.data, 'utf8');
      if (bytes.length > 0 && !res.write(bytes)) await drained(res);
      if (res.destroyed || chunk.next_offset >= end || chunk.next_offset === chunk.offset) break;
      const next = await read(chunk.next_offset);
      // Gone or refused halfway (removed, the daemon closing): cut the response so the browser says it failed.
      if ('code' in next) return void res.destroy();
      chunk = next;
    }
    res.end();
  } finally {
    deps.ctx.hub.drop(session);
  }
}

/** Until the client took what was written, or went away. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/** `<id>.log` or `<id>-run-<n>.log`, with anything but letters, digits, `.`, `_` and `-` made `_` (the header is quoted). */
function fileName(id: string, run: number | undefined): string {
  const safe = id.replace(/[^A-Za-z0-9._-]/g, '_');
  return run === undefined ? `${safe}.log` : `${safe}-run-${run}.log`;
}
