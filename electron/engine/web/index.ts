import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { QueueError, type WebUiResult } from '../../../protocol/index.js';
import type { EngineContext, WebUi } from '../context.js';
import { StaticFiles } from './static-files.js';
import { listenWebServer, type RunningWebServer } from './web-server.js';

/** What the web dashboard is made from. */
export interface WebUiOptions {
  ctx: EngineContext;
  /** The built renderer (out/renderer); null when this host has none. */
  rendererDir: string | null;
  log: (msg: string) => void;
}

/** The dashboard's web server as the engine holds it: started on demand by `ui.web`, closed on stop. */
export interface WebUiServer extends WebUi {
  /** Closes the server, its event streams and connections; resolves once they are gone. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The dashboard over HTTP (`queuectl ui --web`). Nothing listens until the first start(); it then serves
 * the built renderer on 127.0.0.1 under a secret path prefix, with JSON-RPC over POST /<prefix>/rpc and
 * events over Server-Sent Events, and answers the same address to every later start(). See
 * docs/web-transport.md.
 */
export function createWebUi({ ctx, rendererDir, log }: WebUiOptions): WebUiServer {
  let running: Promise<RunningWebServer> | null = null;
  let closed = false;

  return {
    async start(): Promise<WebUiResult> {
      if (closed) throw new QueueError('SHUTTING_DOWN', 'the daemon is stopping; start it again to open the dashboard');
      if (running) {
        const server = await running;
        return { url: server.url, port: server.port, started: false };
      }
      if (ctx.stopping()) throw new QueueError('SHUTTING_DOWN', 'the daemon is stopping; start it again to open the dashboard');
      const files = builtDashboard(rendererDir);
      const starting = listenWebServer({ ctx, files, log });
      running = starting;
      try {
        const server = await starting;
        return { url: server.url, port: server.port, started: true };
      } catch (err) {
        running = null;
        throw err;
      }
    },
    async close(): Promise<void> {
      closed = true;
      const server = await running?.catch(() => null);
      await server?.close();
    },
  };
}

/** The renderer's files, or INVALID_STATE when it was not built. */
function builtDashboard(rendererDir: string | null): StaticFiles {
  if (rendererDir === null || !existsSync(join(rendererDir, 'index.html'))) {
    throw new QueueError('INVALID_STATE', 'the dashboard is not built: run npm run build:app (or npm run build)');
  }
  return new StaticFiles(rendererDir);
}
