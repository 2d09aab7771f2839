import type { IncomingMessage } from 'node:http';

/** After a body went over its limit, this much more is read and dropped (so the client sees the 413); beyond it the connection closes. */
const DISCARD_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * Reads a request body of at most `limit` bytes. Resolves null as soon as it is known to be larger (by
 * Content-Length or by counting); the rest is then drained so the answer still reaches the client.
 * Rejects when the client goes away before the body ended.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    const tooLarge = (): void => {
      over = true;
      chunks.length = 0;
      resolve(null);
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) tooLarge();
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (over) {
        if (size > limit + DISCARD_LIMIT_BYTES) req.socket.destroy();
        return;
      }
      if (size > limit) return tooLarge();
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('the client went away before the request body ended'));
    });
  });
}
