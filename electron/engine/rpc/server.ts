import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { HomePaths } from '../../../protocol/node/paths.js';
import type { EngineContext } from '../context.js';
import { serveConnection } from './connection.js';

/** Connections that have not said hello yet; more are closed at once, so garbage cannot pile up. */
const MAX_UNAUTHENTICATED = 64;

/** The listening socket and the connections on it. */
export interface RpcServer {
  close(): Promise<void>;
}

/**
 * Listens on the home's socket (0600) or named pipe. The caller holds the home's lock, so a socket file
 * already there is left from a crash and is replaced.
 */
export async function startRpcServer(ctx: EngineContext, log: (msg: string) => void): Promise<RpcServer> {
  const token = loadToken(ctx.paths);
  const sockets = new Set<Socket>();
  let unauthenticated = 0;
  const server = createServer((socket) => {
    if (unauthenticated >= MAX_UNAUTHENTICATED) {
      socket.destroy();
      return;
    }
    unauthenticated++;
    let counted = true;
    const authenticated = (): void => {
      if (counted) unauthenticated--;
      counted = false;
    };
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      authenticated();
    });
    serveConnection(socket, ctx, token, log, authenticated);
  });
  server.on('error', (err) => log(`socket server error: ${err.message}`));
  await listen(server, ctx.paths.socket);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.end();
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 200).unref();
        removeSocket(ctx.paths.socket);
      }),
  };
}

/**
 * The secret a client must present in hello: 32 random bytes, hex, in a 0600 file; made on first start,
 * and made anew if the file holds anything else (empty after a crash, edited by hand): an empty token
 * would let any hello in.
 */
function loadToken(paths: HomePaths): Buffer {
  const current = existsSync(paths.token) ? readFileSync(paths.token, 'utf8').trim() : '';
  if (/^[0-9a-f]{64}$/.test(current)) {
    chmodSync(paths.token, 0o600);
    return Buffer.from(current);
  }
  const fresh = randomBytes(32).toString('hex');
  const temp = `${paths.token}.${process.pid}.tmp`;
  writeFileSync(temp, fresh + '\n', { mode: 0o600 });
  renameSync(temp, paths.token);
  return Buffer.from(fresh);
}

async function listen(server: Server, path: string): Promise<void> {
  if (process.platform !== 'win32') {
    const dir = dirname(path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
      throw new Error(`socket directory ${dir} belongs to another user; refusing to listen there`);
    }
    chmodSync(dir, 0o700);
    removeSocket(path);
  }
  const previousUmask = process.platform === 'win32' ? null : process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    if (previousUmask !== null) process.umask(previousUmask);
  }
  if (process.platform !== 'win32') chmodSync(path, 0o600);
}

function removeSocket(path: string): void {
  if (process.platform === 'win32') return;
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    /* not there */
  }
}
