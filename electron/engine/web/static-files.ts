import { realpathSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { sendText } from './headers.js';

/** Content types of the files a built renderer holds; anything else is sent as opaque bytes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** What a request path means for the file tree: a file inside the root, or a path that tries to leave it. */
export type ResolvedPath = { file: string } | { bad: string };

/**
 * Serves the built dashboard from one directory. Paths are checked before any file is touched: no `..` or
 * `.`-led segment, no backslash or NUL (also when percent-encoded), and the resolved path, symlinks
 * followed, must stay inside the directory.
 */
export class StaticFiles {
  private readonly root: string;

  constructor(rootDir: string) {
    this.root = realpathSync(rootDir);
  }

  /** Maps a raw (still percent-encoded) URL path, the part after the prefix, to a file under the root; `/` is index.html. */
  resolvePath(rawPath: string): ResolvedPath {
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath);
    } catch {
      return { bad: 'malformed percent-encoding' };
    }
    if (!decoded.startsWith('/')) return { bad: 'path must start with /' };
    if (decoded.includes('\0') || decoded.includes('\\')) return { bad: 'NUL or backslash in path' };
    const segments = decoded.slice(1).split('/');
    if (segments.some((s) => s.startsWith('.'))) return { bad: 'path segment starts with a dot' };
    const relative = decoded === '/' ? 'index.html' : decoded.slice(1);
    const file = resolve(this.root, relative);
    if (!file.startsWith(this.root + sep)) return { bad: 'path leaves the dashboard directory' };
    return { file };
  }

  /** Sends `file` (from resolvePath) with its content type, or 404 when it is missing or not a regular file. */
  async send(file: string, res: ServerResponse): Promise<void> {
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      return sendText(res, 404, 'not found');
    }
    if (!real.startsWith(this.root + sep)) return sendText(res, 404, 'not found');
    let handle;
    try {
      handle = await open(real, 'r');
    } catch {
      return sendText(res, 404, 'not found');
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) {
        await handle.close();
        return sendText(res, 404, 'not found');
      }
      res.writeHead(200, {
        'Content-Type': CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': String(stat.size),
      });
      if (res.req.method === 'HEAD') {
        await handle.close();
        res.end();
        return;
      }
      const stream = handle.createReadStream();
      stream.on('error', () => res.destroy());
      res.on('close', () => stream.destroy());
      stream.pipe(res);
    } catch {
      await handle.close().catch(() => undefined);
      if (!res.headersSent) sendText(res, 500, 'could not read the file');
      else res.destroy();
    }
  }
}
