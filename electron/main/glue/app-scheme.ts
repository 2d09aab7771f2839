import { readFile } from 'node:fs/promises';
import { protocol, type Session } from 'electron';
import { APP_SCHEME, appResponseHeaders, resolveAppFile } from '../app-protocol.js';

/**
 * app://queuectl/ as a standard, secure scheme (a real origin for the CSP's 'self', storage, module scripts).
 * Must run before the app is ready. No CORS, no fetch privileges, no service workers: nothing but the page
 * itself reads from it.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
}

/** Answers app://queuectl/ from the built dashboard only (app-protocol.ts resolves and confines the path). */
export function serveApp(session: Session, rendererDir: string): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
    const file = resolveAppFile(request.url, rendererDir);
    if (!file) return plain(404, 'not found');
    try {
      const body = await readFile(file.path);
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: appResponseHeaders(file.contentType) });
    } catch {
      return plain(404, 'not found');
    }
  });
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: appResponseHeaders('text/plain; charset=utf-8') });
}
