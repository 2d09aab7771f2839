import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EngineContext } from '../context.js';
import { Access } from './access.js';
import { UnauthenticatedConnections } from './connection-cap.js';
import { EventStreams } from './event-streams.js';
import { sendText } from './headers.js';
import { RefusalLog } from './refusals.js';
import { createRouter } from './router.js';
import type { StaticFiles } from './static-files.js';

/** The only address the server listens on: loopback, never a network interface. */
export const LISTEN_HOST = '127.0.0.1';
/** Connections still busy this long after close() began are cut. */
const CLOSE_GRACE_MS = 200;
/**
 * Most connections that have not shown the cookie or token yet; over it the oldest is cut (connection-cap.ts).
 * Twice the listen backlog (511): a burst of new connections cannot push out the owner's before it is read.
 * Connections that showed the cookie are not capped (a browser keeps about six, plus one per event stream).
 */
export const MAX_UNAUTHENTICATED_CONNECTIONS = 1024;
/** Request headers must be complete this long after the connection opened or the previous request ended. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** The whole request (headers and body) within this. */
const REQUEST_TIMEOUT_MS = 30_000;
/** An idle keep-alive connection is closed after this. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How often the server looks for connections over the header and request timeouts (Node's default is 30 s). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** A connection with no traffic either way for this long is closed (event streams send a ping every 15 s). */
const IDLE_TIMEOUT_MS = 60_000;
/** Random bytes in the path prefix: 18 bytes are 24 URL-safe characters (base64url, no padding). */
const PREFIX_BYTES = 18;

/** One run of the dashboard's web server. */
export interface RunningWebServer {
  /** http://127.0.0.1:<port>/<prefix>/?token=<token> */
  url: string;
  port: number;
  /** Stops listening, ends the event streams, and cuts connections still open after a short grace. */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 on a random port with a fresh random token (32 bytes, hex) and a fresh random path
 * prefix (18 bytes, base64url), and serves the dashboard under /<prefix>/: its files, POST rpc and GET
 * events (see router.ts for the rules every request meets). Neither the token nor the prefix is logged.
 */
export async function listenWebServer(options: { ctx: EngineContext; files: StaticFiles; log: (msg: string) => void }): Promise<RunningWebServer> {
  const { ctx, files, log } = options;
  const token = randomBytes(32).toString('hex');
  const prefix = randomBytes(PREFIX_BYTES).toString('base64url');
  const refusals = new RefusalLog(log);
  const streams = new EventStreams(ctx.hub, refusals);
  let closing = false;
  let route: ReturnType<typeof createRouter> | null = null;

  const unauthenticated = new UnauthenticatedConnections(MAX_UNAUTHENTICATED_CONNECTIONS, (total) =>
    refusals.refused('connection-cap', `over ${MAX_UNAUTHENTICATED_CONNECTIONS} connections without the cookie; cut the oldest (${total} so far)`),
  );

  const server = createServer(
    {
      requestTimeout: REQUEST_TIMEOUT_MS,
      headersTimeout: HEADERS_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    (req, res) => {
      if (route) route(req, res);
      else sendText(res, 503, 'the dashboard is starting; try again');
    },
  );
  server.setTimeout(IDLE_TIMEOUT_MS);
  server.on('connection', (socket) => unauthenticated.add(socket));
  server.on('error', (err) => log(`dashboard server error: ${err.message}`));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: LISTEN_HOST, port: 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  route = createRouter({
    ctx,
    log,
    files,
    streams,
    refusals,
    access: new Access(token, prefix, port),
    closing: () => closing,
    authenticated: (req) => unauthenticated.authenticated(req.socket),
  });
  log(`dashboard served at http://${LISTEN_HOST}:${port}/`);

  let closed: Promise<void> | null = null;
  return {
    url: `http://${LISTEN_HOST}:${port}/${prefix}/?token=${token}`,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        streams.closeAll();
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
      });
      return closed;
    },
  };
}
