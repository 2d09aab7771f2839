import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { HomePaths } from '../../../protocol/node/paths.js';
import type { EngineContext } from '../context.js';
import { identityOf, readPrivateFile, writePrivateFile } from '../home-files.js';
import { serveConnection } from './connection.js';

/**
 * Connections that have not said hello yet; over it the oldest of them is closed, so garbage cannot pile up
 * and a flood of idle connections cannot keep the owner's out (twice the listen backlog, 511: a burst of new
 * connections cannot push out one that arrived just before it, whose hello is read next).
 */
const MAX_UNAUTHENTICATED = 1024;

/** The listening socket and the connections on it. */
export interface RpcServer {
  close(): Promise<void>;
  /**
   * Listens again when the socket file was deleted or replaced under the running daemon (home-watch.ts calls
   * it every second), so clients find it again; connections already open are not affected.
   */
  ensureSocket(): void;
}

/**
 * Listens on the home's socket (0600) or named pipe. The caller holds the home's lock, so a socket file
 * already there is left from a crash and is replaced.
 */
export async function startRpcServer(ctx: EngineContext, log: (msg: string) => void): Promise<RpcServer> {
  const token = loadToken(ctx.paths);
  const sockets = new Set<Socket>();
  /** Connections waiting for hello, oldest first (a Map iterates in insertion order). */
  const unauthenticated = new Map<Socket, true>();
  const onConnection = (socket: Socket): void => {
    unauthenticated.set(socket, true);
    if (unauthenticated.size > MAX_UNAUTHENTICATED) {
      const oldest = unauthenticated.keys().next().value as Socket;
      unauthenticated.delete(oldest);
      oldest.destroy();
    }
    const authenticated = (): void => {
      unauthenticated.delete(socket);
    };
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      authenticated();
    });
    serveConnection(socket, ctx, token, log, authenticated);
  };
  const makeServer = (): Server => createServer(onConnection).on('error', (err) => log(`socket server error: ${err.message}`));
  const servers = [makeServer()];
  await listen(servers[0]!, ctx.paths.socket);
  let bound: string | null = identityOf(ctx.paths.socket);
  let closed = false;
  let relistening = false;
  let relistenFailed = false;
  return {
    ensureSocket: () => {
      if (closed || relistening || process.platform === 'win32' || identityOf(ctx.paths.socket) === bound) return;
      relistening = true;
      // Closing a listener unlinks its path (libuv), so the old one closes before the new one binds there;
      // connections already open stay.
      for (const old of servers.splice(0)) old.close();
      const fresh = makeServer();
      servers.push(fresh);
      listen(fresh, ctx.paths.socket).then(
        () => {
          relistening = false;
          if (closed) return;
          bound = identityOf(ctx.paths.socket);
          relistenFailed = false;
          log(`the socket ${ctx.paths.socket} was removed or replaced; listening there again`);
        },
        (err: Error) => {
          relistening = false;
          servers.splice(servers.indexOf(fresh), 1);
          bound = '(failed)'; // differs from anything: tried again next round
          if (!relistenFailed) log(`the socket ${ctx.paths.socket} was removed or replaced and could not be made again (${err.message}); trying every second`);
          relistenFailed = true;
        },
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        let open = servers.length;
        if (open === 0) resolve();
        for (const server of servers) server.close(() => --open === 0 && resolve());
        for (const s of sockets) s.end();
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 200).unref();
        if (identityOf(ctx.paths.socket) === bound) removeSocket(ctx.paths.socket);
      }),
  };
}

/**
 * The secret a client must present in hello: 32 random bytes, hex, in a 0600 file; made on first start,
 * and made anew if the file holds anything else (empty after a crash, edited by hand: an empty token would
 * let any hello in) or is not a plain file of ours (a planted link, another user's file, which they could
 * read). Written afresh each start (temp file + rename), so the file is always ours and 0600.
 */
function loadToken(paths: HomePaths): Buffer {
  const current = (readPrivateFile(paths.token) ?? '').trim();
  const token = /^[0-9a-f]{64}$/.test(current) ? current : randomBytes(32).toString('hex');
  writePrivateFile(paths.token, token + '\n');
  return Buffer.from(token);
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

/** Clears the socket's path: a socket or a link is removed, anything else is moved aside (never followed). */
function removeSocket(path: string): void {
  if (process.platform === 'win32') return;
  try {
    const st = lstatSync(path);
    if (st.isSocket() || st.isSymbolicLink()) unlinkSync(path);
    else renameSync(path, `${path}.untrusted-${Date.now()}`);
  } catch {
    /* not there */
  }
}
