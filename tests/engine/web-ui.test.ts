import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineContext } from '../../electron/engine/context.js';
import type { Session } from '../../electron/engine/rpc/session.js';
import { createWebUi } from '../../electron/engine/web/index.js';
import { RefusalLog } from '../../electron/engine/web/refusals.js';
import { StaticFiles } from '../../electron/engine/web/static-files.js';
import { parseDashboardUrl, rawRequest, WebSession } from '../helpers/web.js';

/** Just enough of an engine for the web server: a hub that records drops, never stopping. */
function fakeContext(dropped: Session[] = []): EngineContext {
  return {
    stopping: () => false,
    hub: { subscribe: () => ({ jobs: false, log: null }), drop: (s: Session) => void dropped.push(s) },
  } as unknown as EngineContext;
}

function builtDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qctl-renderer-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>test</title>');
  return dir;
}

describe('web dashboard server (unit)', () => {
  it('start() says how to build the dashboard when rendererDir is null or has no index.html', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'qctl-renderer-'));
    try {
      for (const rendererDir of [null, empty]) {
        const web = createWebUi({ ctx: fakeContext(), rendererDir, log: () => undefined });
        await expect(web.start()).rejects.toMatchObject({ code: 'INVALID_STATE', message: 'the dashboard is not built: run npm run build:app (or npm run build)' });
        await web.close();
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('starts once, ends open event streams promptly on close, and refuses to start again', async () => {
    const dir = builtDir();
    const dropped: Session[] = [];
    const logged: string[] = [];
    const web = createWebUi({ ctx: fakeContext(dropped), rendererDir: dir, log: (m) => logged.push(m) });
    try {
      const [first, second] = await Promise.all([web.start(), web.start()]);
      expect([first.started, second.started].sort()).toEqual([false, true]);
      expect(second.url).toBe(first.url);
      expect((await web.start()).started).toBe(false);
      expect(logged).toEqual([`dashboard served at http://127.0.0.1:${first.port}/`]);

      const session = await WebSession.open(first.url);
      expect((await session.request('/')).body).toContain('<title>test</title>');
      // The same cookie outside the prefix: not found, and the page is not served at /.
      expect((await rawRequest(first.port, { path: '/index.html', headers: { cookie: session.cookie } })).status).toBe(404);
      expect((await rawRequest(first.port, { path: '/', headers: { cookie: session.cookie } })).status).toBe(401);
      const streams = await Promise.all([session.events(), session.events()]);
      const began = Date.now();
      await web.close();
      expect(Date.now() - began).toBeLessThan(1000);
      await Promise.all(streams.map((s) => s.ended));
      expect(dropped).toHaveLength(2);
      await expect(web.start()).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
      await web.close();
    } finally {
      await web.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes a new random prefix and token for each server, and hands out a cookie only for its own prefix', async () => {
    const dir = builtDir();
    const servers = [0, 1].map(() => createWebUi({ ctx: fakeContext(), rendererDir: dir, log: () => undefined }));
    try {
      const urls = await Promise.all(servers.map(async (s) => (await s.start()).url));
      const [a, b] = urls.map(parseDashboardUrl) as [ReturnType<typeof parseDashboardUrl>, ReturnType<typeof parseDashboardUrl>];
      for (const u of [a, b]) {
        expect(u.prefix).toMatch(/^[A-Za-z0-9_-]{24}$/);
        expect(u.token).toMatch(/^[0-9a-f]{64}$/);
      }
      expect(a.prefix).not.toBe(b.prefix);
      expect(a.token).not.toBe(b.token);
      const exchange = await fetch(urls[0]!, { redirect: 'manual' });
      expect(exchange.headers.get('set-cookie')).toBe(`qctl=${a.token}; HttpOnly; SameSite=Strict; Path=/${a.prefix}/`);
      // One server's prefix means nothing to another.
      const elsewhere = await rawRequest(b.port, { path: `/${a.prefix}/?token=${b.token}` });
      expect(elsewhere.status).toBe(404);
      expect(elsewhere.headers['set-cookie']).toBeUndefined();
    } finally {
      await Promise.all(servers.map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('resolves only paths inside the directory', () => {
    const dir = builtDir();
    try {
      const files = new StaticFiles(dir);
      expect(files.resolvePath('/')).toEqual({ file: join(realpathSync(dir), 'index.html') });
      for (const bad of ['/..', '/a/../../x', '/%2e%2e/x', '/a%2f..%2f..%2fx', '/x%00', '/a%5c..', '/.env', '//etc/passwd', '/%zz', 'relative']) {
        expect(files.resolvePath(bad), bad).toHaveProperty('bad');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('logs a kind of refusal once a minute and counts the rest', () => {
    let now = 0;
    const logged: string[] = [];
    const refusals = new RefusalLog((m) => logged.push(m), () => now);
    refusals.refused('host', 'one');
    refusals.refused('host', 'two');
    refusals.refused('origin', 'three');
    now = 59_999;
    refusals.refused('host', 'four');
    now = 60_000;
    refusals.refused('host', 'five');
    expect(logged).toEqual([
      'dashboard: refused a request (host): one',
      'dashboard: refused a request (origin): three',
      'dashboard: refused a request (host): five (2 more of this kind not logged)',
    ]);
  });
});
