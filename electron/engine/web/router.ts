import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Access } from './access.js';
import type { EventStreams } from './event-streams.js';
import { applySecurityHeaders, sendText } from './headers.js';
import type { RefusalLog } from './refusals.js';
import { handleRpc, type RpcEndpointDeps } from './rpc-endpoint.js';
import type { StaticFiles } from './static-files.js';

/** What the router hands requests to. */
export interface RouterDeps extends RpcEndpointDeps {
  access: Access;
  files: StaticFiles;
  streams: EventStreams;
  refusals: RefusalLog;
}

const OPEN_THE_URL = 'open the URL printed by `queuectl ui --web`';

/**
 * Every request, in this order: security headers; Host must name this server (421); method must be GET,
 * HEAD or POST (405); `GET /?token=` trades a right token for the cookie (303 to /); everything else needs
 * the cookie (401); then POST /rpc (same Origin only, 403), GET /events, or a file of the dashboard.
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
    const path = queryAt < 0 ? url : url.slice(0, queryAt);

    if (path === '/' && method !== 'POST' && queryAt >= 0) {
      const token = new URLSearchParams(url.slice(queryAt + 1)).get('token');
      if (token !== null) {
        if (!access.tokenMatches(token)) {
          refusals.refused('token', 'a wrong token in the URL');
          return sendText(res, 401, `wrong or outdated access token: ${OPEN_THE_URL} (a new one is made each time the daemon starts)`);
        }
        res.writeHead(303, { Location: '/', 'Set-Cookie': access.sessionCookie(), 'Content-Length': '0' });
        res.end();
        return;
      }
    }
    if (!access.cookieMatches(req.headers.cookie)) {
      refusals.refused('cookie', `${method} ${path.slice(0, 80)} without a valid cookie`);
      return sendText(res, 401, `not signed in: ${OPEN_THE_URL}`);
    }

    if (path === '/rpc') {
      if (method !== 'POST') return sendText(res, 405, 'use POST for /rpc', { Allow: 'POST' });
      if (!access.originAllowed(req.headers.origin, host)) {
        refusals.refused('origin', `POST /rpc from Origin ${JSON.stringify(req.headers.origin ?? null).slice(0, 80)}`);
        return sendText(res, 403, 'refused: /rpc answers only the dashboard page itself (same Origin)');
      }
      void handleRpc(req, res, deps).catch((err) => {
        deps.log(`dashboard: rpc error: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) sendText(res, 500, 'internal error; the daemon logged the details');
        else res.destroy();
      });
      return;
    }
    if (path === '/events') {
      if (method !== 'GET') return sendText(res, 405, 'use GET for /events', { Allow: 'GET' });
      const site = req.headers['sec-fetch-site'];
      if (site !== undefined && site !== 'same-origin') {
        refusals.refused('fetch-site', `GET /events from a ${String(site).slice(0, 20)} page`);
        return sendText(res, 403, 'refused: /events serves only the dashboard page itself');
      }
      return streams.open(req, res);
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
