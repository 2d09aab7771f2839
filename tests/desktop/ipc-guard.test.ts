import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, METHOD_NAMES } from '../../protocol/index.js';
import { APP_CSP, appResponseHeaders, appUrl, isAppUrl, isDashboardRoute, resolveAppFile } from '../../electron/main/app-protocol.js';
import { checkInvoke, isPlainObject, type InvokeEventLike } from '../../electron/main/ipc-guard.js';
import { windowSession } from '../../electron/main/window-session.js';

/**
 * The IPC handler's checks, with a fake of Electron's IpcMainInvokeEvent (the Electron runtime cannot load
 * here): who may call, and what a call may carry. The handler itself (glue/ipc.ts) only adds dispatch.
 */

const dashboard = { id: 'the dashboard webContents' };
const topFrame = (url = 'app://queuectl/index.html#/jobs') => ({ url, parent: null });
const fromDashboard = (frame = topFrame()): InvokeEventLike => ({ sender: dashboard, senderFrame: frame });

describe('IPC sender checks', () => {
  it('accepts the dashboard window, top frame, on app://queuectl', () => {
    expect(checkInvoke(fromDashboard(), ['status', {}], dashboard)).toEqual({ ok: true, method: 'status', params: {} });
  });

  it.each([
    ['another webContents', { sender: { id: 'a devtools or other window' }, senderFrame: topFrame() }],
    ['a frame that is gone', { sender: dashboard, senderFrame: null }],
    ['a subframe', { sender: dashboard, senderFrame: { url: 'app://queuectl/index.html', parent: { url: 'app://queuectl/' } } }],
    ['a remote page in the window', { sender: dashboard, senderFrame: topFrame('https://evil.example/') }],
    ['a file:// page', { sender: dashboard, senderFrame: topFrame('file:///etc/passwd') }],
    ['another custom host', { sender: dashboard, senderFrame: topFrame('app://other/index.html') }],
    ['a look-alike with credentials', { sender: dashboard, senderFrame: topFrame('app://user:pw@queuectl/index.html') }],
  ])('refuses %s with UNAUTHORIZED, and flags it for the log', (_what, event) => {
    const checked = checkInvoke(event as InvokeEventLike, ['status', {}], dashboard);
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.error.data.code).toBe('UNAUTHORIZED');
      expect(checked.refusedSender).toBe(true);
    }
  });

  it('refuses everything while there is no dashboard window', () => {
    const checked = checkInvoke(fromDashboard(), ['status', {}], null);
    expect(checked.ok).toBe(false);
  });
});

describe('IPC payload validation', () => {
  const code = (args: unknown[]) => {
    const checked = checkInvoke(fromDashboard(), args, dashboard);
    return checked.ok ? 'ok' : checked.error.data.code;
  };

  it('takes every protocol method but hello', () => {
    for (const method of METHOD_NAMES) expect(code([method, {}])).toBe(method === 'hello' ? 'METHOD_NOT_FOUND' : 'ok');
  });

  it.each([
    ['an unknown method', ['shell.exec', {}], 'METHOD_NOT_FOUND'],
    ['a method that is not a string', [42, {}], 'METHOD_NOT_FOUND'],
    ['a prototype key as method', ['__proto__', {}], 'METHOD_NOT_FOUND'],
    ['params as an array', ['list', []], 'INVALID_ARGUMENT'],
    ['params as a string', ['list', 'state=dead'], 'INVALID_ARGUMENT'],
    ['params null', ['list', null], 'INVALID_ARGUMENT'],
    ['params a Date', ['list', new Date()], 'INVALID_ARGUMENT'],
    ['params a Map', ['list', new Map()], 'INVALID_ARGUMENT'],
    ['no arguments', [], 'INVALID_ARGUMENT'],
    ['extra arguments', ['list', {}, 'more'], 'INVALID_ARGUMENT'],
  ])('refuses %s', (_what, args, expected) => {
    expect(code(args as unknown[])).toBe(expected);
  });

  it('missing params mean {}', () => {
    expect(checkInvoke(fromDashboard(), ['stats'], dashboard)).toEqual({ ok: true, method: 'stats', params: {} });
  });

  it('refuses params larger than a socket message, and params that are not JSON', () => {
    expect(code(['enqueue', { job: { command: 'x'.repeat(MAX_FRAME_BYTES) } }])).toBe('INVALID_ARGUMENT');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(code(['list', cyclic])).toBe('INVALID_ARGUMENT');
    expect(code(['list', { limit: 10n }])).toBe('INVALID_ARGUMENT');
    expect(code(['enqueue', { job: { command: 'x'.repeat(60_000) } }])).toBe('ok');
  });

  it('answers errors in the JSON-RPC shape the renderer expects: {code, message, data: {code}}', () => {
    const checked = checkInvoke(fromDashboard(), ['nope', {}], dashboard);
    expect(checked).toMatchObject({ ok: false, error: { code: -32601, message: expect.stringContaining('nope'), data: { code: 'METHOD_NOT_FOUND' } } });
  });

  it('plain objects are those with Object.prototype or no prototype', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject(new (class X {})())).toBe(false);
  });
});

describe('window sessions', () => {
  it('push events to the window on queuectl:event, and drop them once it is destroyed', () => {
    const sent: unknown[] = [];
    let destroyed = false;
    const session = windowSession({ isDestroyed: () => destroyed, send: (channel, event) => sent.push([channel, event]) });
    const event = { type: 'log' as const, id: 'a', offset: 0, data: 'hi', next_offset: 2, ended: false };
    session.push(event);
    destroyed = true;
    session.push(event);
    expect(sent).toEqual([['queuectl:event', event]]);
  });
});

describe('app://queuectl/ serves the built dashboard and nothing else', () => {
  const root = mkdtempSync(join(tmpdir(), 'qctl-renderer-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('maps app URLs into the renderer directory with a content type', () => {
    expect(resolveAppFile('app://queuectl/', root)).toEqual({ path: join(root, 'index.html'), contentType: 'text/html; charset=utf-8' });
    expect(resolveAppFile('app://queuectl/index.html#/dlq', root)?.path).toBe(join(root, 'index.html'));
    expect(resolveAppFile('app://queuectl/assets/index-abc.js?v=1', root)).toEqual({
      path: join(root, 'assets', 'index-abc.js'),
      contentType: 'text/javascript; charset=utf-8',
    });
    expect(resolveAppFile('app://queuectl/assets/x.bin', root)?.contentType).toBe('application/octet-stream');
  });

  it.each([
    // The URL parser resolves dot segments first: what is left stays inside the root (and is not there).
    ['app://queuectl/../../etc/passwd', 'etc/passwd'],
    ['app://queuectl/%2e%2e/%2e%2e/etc/passwd', 'etc/passwd'],
    // Encoded separators, backslashes, NUL, broken escapes, other origins: refused outright.
    ['app://queuectl/assets/..%2f..%2f..%2fetc%2fpasswd', null],
    ['app://queuectl/..%5c..%5csecret', null],
    ['app://queuectl/index.html%00.png', null],
    ['app://queuectl/%E0%A4%A', null],
    ['app://other/index.html', null],
    ['https://queuectl/index.html', null],
    ['file:///etc/passwd', null],
  ])('never leaves the root: %s', (url, inside) => {
    expect(resolveAppFile(url, root)?.path ?? null).toBe(inside === null ? null : join(root, inside));
  });

  it('every response carries a strict CSP: own scripts only, no eval, no remote anything, no frames', () => {
    const headers = appResponseHeaders('text/html');
    expect(headers['Content-Security-Policy']).toBe(APP_CSP);
    expect(APP_CSP).toContain("default-src 'none'");
    expect(APP_CSP).toContain("script-src 'self'");
    expect(APP_CSP).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(APP_CSP).toContain("frame-ancestors 'none'");
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
  });

  it('knows its own URLs and routes', () => {
    expect(appUrl()).toBe('app://queuectl/index.html');
    expect(appUrl('#/jobs/abc')).toBe('app://queuectl/index.html#/jobs/abc');
    expect(isAppUrl('app://queuectl/index.html')).toBe(true);
    expect(isAppUrl('app://queuectl.evil/index.html')).toBe(false);
    expect(isAppUrl('not a url')).toBe(false);
    expect(isDashboardRoute('#/jobs/abc-1.2_3')).toBe(true);
    expect(isDashboardRoute('#/dlq')).toBe(true);
    expect(isDashboardRoute('javascript:alert(1)')).toBe(false);
    expect(isDashboardRoute('#/x"><script>')).toBe(false);
  });
});
