import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Access } from './access.js';
import type { EventStreams } from './event-streams.js';
import { applySecurityHeaders, sendText } from './headers.js';
import type { RefusalLog } from './refusals.js';
import { sendLogDownload } from './log-download.js';
import { handleRpc, type RpcEndpointDeps } from './rpc-endpoint.js';
import type { StaticFiles } from './static-files.js';

/** What the router hands requests to. */
export interface RouterDeps extends RpcEndpointDeps {
  access: Access;
  files: StaticFiles;
  streams: EventStreams;
  refusals: RefusalLog;
  /** The request showed the right token or cookie: its connection is the owner's (no longer capped). */
  authenticated(req: IncomingMessage): void;
}

const OPEN_THE_URL = 'open the URL printed by `queuectl ui --web`';

/**
 * Every request, in this order: security headers; Host must name this server (421); method must be GET,
 * HEAD or POST (405); the path must be under the secret prefix `/<prefix>/` (else 404, or 401 for `/`,
 * where someone who typed the bare address should learn what to open); `GET /<prefix>/?token=` trades a
 * right token for the cookie (303 to /<prefix>/); everything else needs the cookie (401), and a request that
 * shows the token or cookie marks its connection as the owner's (web/connection-cap.ts: never cut); then
 * POST /<prefix>/rpc (same Origin only, 403), GET /<prefix>/events or /<prefix>/log (a log to save; both
 * same-origin only, 403), or a file of the dashboard.
 * Log lines name only the part of the path after the prefix: like the token, the prefix is never logged.
 */
export function createRouter(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { access, files, streams, refusals } = deps;
  return (req, res) => {
    applySecurityHeaders(res);
    const host = req.headers.host;
    if (host === undefined || !access.hostAllowed(host)) {
      refusals.refused('host', `Host ${JSON.stringify(host ?? null).slice(0, 80)}`);
      return sendText(res, 421, `wrong Host header: this server answers only to its own address; ${OPEN_THE_URL}`);
    }
    const method = req.method ?? '';
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
      refusals.refused('method', `method ${method.slice(0, 20)}`);
      return sendText(res, 405, `method ${method} is not allowed`, { Allow: 'GET, HEAD, POST' });
    }
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const fullPath = queryAt < 0 ? url : url.slice(0, queryAt);

    // The first segment must be the prefix; `path` is what follows it ('/', '/rpc', '/assets/…').
    const slash = fullPath.indexOf('/', 1);
    const first = fullPath.startsWith('/') ? fullPath.slice(1, slash < 0 ? undefined : slash) : '';
    if (!fullPath.startsWith('/') || !access.prefixMatches(first)) {
      if (fullPath === '/') {
        refusals.refused('cookie', `${method} / (not the dashboard's address)`);
        return sendText(res, 401, `not signed in: ${OPEN_THE_URL}`);
      }
      refusals.refused('prefix', `${method} to a path outside the dashboard's`);
      return sendText(res, 404, 'not found');
    }
    if (slash < 0) {
      // `/<prefix>` without its slash: the page's relative URLs (rpc, events, ./assets) need the slash.
      if (method === 'POST') return sendText(res, 404, 'not found');
      res.writeHead(303, { Location: `${access.home}${queryAt < 0 ? '' : url.slice(queryAt)}`, 'Content-Length': '0' });
      res.end();
      return;
    }
    const path = fullPath.slice(slash);

    if (path === '/' && method !== 'POST' && queryAt >= 0) {
      const token = new URLSearchParams(url.slice(queryAt + 1)).get('token');
      if (token !== null) {
        if (!access.tokenMatches(token)) {
          refusals.refused('token', 'a wrong token in the URL');
          return sendText(res, 401, `wrong or outdated access token: ${OPEN_THE_URL} (a new one is made each time the daemon starts)`);
        }
        deps.authenticated(req);
        res.writeHead(303, { Location: access.home, 'Set-Cookie': access.sessionCookie(), 'Content-Length': '0' });
        res.end();
        return;
      }
    }
    if (!access.cookieMatches(req.headers.cookie)) {
      refusals.refused('cookie', `${method} ${path.slice(0, 80)} without a valid cookie`);
      return sendText(res, 401, `not signed in: ${OPEN_THE_URL}`);
    }
    deps.authenticated(req);

    if (path === '/rpc') {
      if (method !== 'POST') return sendText(res, 405, 'use POST for rpc', { Allow: 'POST' });
      if (!access.originAllowed(req.headers.origin, host)) {
        refusals.refused('origin', `POST rpc from Origin ${JSON.stringify(req.headers.origin ?? null).slice(0, 80)}`);
        return sendText(res, 403, 'refused: rpc answers only the dashboard page itself (same Origin)');
      }
      void handleRpc(req, res, deps).catch((err) => {
        deps.log(`dashboard: rpc error: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) sendText(res, 500, 'internal error; the daemon logged the details');
        else res.destroy();
      });
      return;
    }
    if (path === '/events' || path === '/log') {
      const what = path.slice(1);
      if (method !== 'GET') return sendText(res, 405, `use GET for ${what}`, { Allow: 'GET' });
      // Browsers send Sec-Fetch-Site on every request; without it the client is not a browser (and has
      // the cookie, checked above). A browser request from any other page, even on 127.0.0.1, is refused.
      const site = req.headers['sec-fetch-site'];
      if (site !== undefined && site !== 'same-origin') {
        refusals.refused('fetch-site', `GET ${what} from a ${String(site).slice(0, 20)} page`);
        return sendText(res, 403, `refused: ${what} serves only the dashboard page itself`);
      }
      if (path === '/events') return streams.open(req, res);
      void sendLogDownload(res, new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1)), deps).catch((err) => {
        deps.log(`dashboard: log download error: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) sendText(res, 500, 'internal error; the daemon logged the details');
        else res.destroy();
      });
      return;
    }
    if (method === 'POST') return sendText(res, 405, `use GET for ${path.slice(0, 80)}`, { Allow: 'GET, HEAD' });

    const resolved = files.resolvePath(path);
    if ('bad' in resolved) {
      refusals.refused('path', `${resolved.bad}: ${path.slice(0, 80)}`);
      return sendText(res, 400, `bad path: ${resolved.bad}`);
    }
    void files.send(resolved.file, res);
  };
}
