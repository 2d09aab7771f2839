import { extname, join, normalize, sep } from 'node:path';

/**
 * The dashboard is served to the window from app://queuectl/, a privileged standard scheme answered by the
 * main process from out/renderer only, never from the network or the file system at large. A standard scheme
 * gives the page a real origin ('self' in the CSP means exactly these files) without file:// and its
 * access to every local file.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'queuectl';

/** Every response carries it: own scripts and styles only, no network, no frames, no plugins. */
export const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // Svelte sets style attributes at run time (transitions, widths); nothing else is inline.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/** The dashboard's URL, optionally at a hash route such as `#/jobs/abc123`. */
export function appUrl(route: string | null = null): string {
  return `${APP_SCHEME}://${APP_HOST}/index.html${route ?? ''}`;
}

/** True for URLs of the app's own origin (app://queuectl/...). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** The file that answers `url`, inside `rootDir`, or null (foreign URL, a path out of the root, odd bytes). */
export function resolveAppFile(url: string, rootDir: string): { path: string; contentType: string } | null {
  if (!isAppUrl(url)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  const root = normalize(rootDir + sep);
  const path = normalize(join(root, pathname));
  if (!path.startsWith(root)) return null;
  return { path, contentType: CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream' };
}

export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': APP_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

/** Hash routes the app may be asked to open (from a notification, the tray or a second launch). */
export function isDashboardRoute(route: string): boolean {
  return /^#\/[A-Za-z0-9._~%/-]{0,200}$/.test(route);
}
