import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, JobsEvent, StatusResult, WebUiResult } from '../../protocol/index.js';
import { TestHome, waitFor } from '../helpers/daemon.js';
import { parseDashboardUrl, rawRequest, SseStream, WebSession, type RawResponse } from '../helpers/web.js';

const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const RENDERER = resolve('out/renderer');

/** One daemon for the whole file; the last test stops it. */
describe('queuectl ui --web (real daemon, built CLI, HTTP)', () => {
  let t: TestHome;
  let url: string;
  let port: number;
  let origin: string;
  let token: string;
  let prefix: string;
  /** `/<prefix>/`: the dashboard's page. */
  let home: string;
  let web: WebSession;

  const expectSecurityHeaders = (res: RawResponse): void => {
    expect(res.headers['content-security-policy']).toBe(CSP);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
  };
  const rpcBody = (method: string, params: unknown = {}) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  const jobNamed = async (name: string): Promise<Job[]> => (await t.json<Job[]>(['list'])).filter((j) => j.name === name);

  beforeAll(async () => {
    t = new TestHome();
    await t.start(1);
    url = await t.ok(['ui', '--web']);
    ({ port, origin, token, prefix, home } = parseDashboardUrl(url));
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('prints one line, the URL with a fresh prefix and token, and a note on stderr; again the same URL; --json says started false', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{24}\/\?token=[0-9a-f]{64}$/);
    expect(home).toBe(`/${prefix}/`);
    expect(token).not.toContain(prefix);
    const again = await t.cli(['ui', '--web']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`${url}\n`);
    expect(again.stderr).toContain('open this in a browser');
    const json = await t.json<WebUiResult>(['ui', '--web']);
    expect(json).toEqual({ url, port, started: false });
    const noFlag = await t.cli(['ui']);
    expect(noFlag.code).toBe(0);
    expect(noFlag.stdout).toBe(`${url}\n`);
    expect(noFlag.stderr).toContain('runs headless and has no window');
    const log = t.daemonLog();
    expect(log).toContain(`dashboard served at http://127.0.0.1:${port}/`);
    expect(log.match(/dashboard served at/g)).toHaveLength(1);
    expect(log).not.toContain(token);
    expect(log).not.toContain(prefix);
  });

  it('refuses everything without the token: no cookie, a wrong URL token, a wrong cookie (401 saying what to open)', async () => {
    for (const page of [`${origin}/`, `${origin}${home}`]) {
      const bare = await fetch(page, { redirect: 'manual' });
      expect(bare.status, page).toBe(401);
      expect(await bare.text()).toContain('queuectl ui --web');
      expect(bare.headers.get('content-security-policy')).toBe(CSP);
    }
    const wrongToken = await fetch(`${origin}${home}?token=${'0'.repeat(64)}`, { redirect: 'manual' });
    expect(wrongToken.status).toBe(401);
    expect(await wrongToken.text()).toContain('queuectl ui --web');
    expect(wrongToken.headers.get('set-cookie')).toBeNull();
    expect((await fetch(`${origin}${home}?token=${token.slice(0, 63)}`, { redirect: 'manual' })).status).toBe(401);
    // The right token without the prefix gets nothing: the cookie is handed out only under the prefix.
    const noPrefix = await fetch(`${origin}/?token=${token}`, { redirect: 'manual' });
    expect(noPrefix.status).toBe(401);
    expect(await noPrefix.text()).not.toContain(prefix);
    expect(noPrefix.headers.get('set-cookie')).toBeNull();
    for (const cookie of [`qctl=${'0'.repeat(64)}`, `qctl=${token.slice(1)}`, `other=${token}`, `qctl=`, token]) {
      const res = await rawRequest(port, { path: home, headers: { cookie } });
      expect(res.status, cookie).toBe(401);
      expect(res.body).toContain('queuectl ui --web');
    }
    const asset = readdirSync(resolve(RENDERER, 'assets'))[0]!;
    for (const [method, path] of [['GET', `assets/${asset}`], ['GET', 'events'], ['POST', 'rpc'], ['GET', 'index.html']] as const) {
      const res = await rawRequest(port, { method, path: home + path, headers: { origin, 'content-type': 'application/json' }, body: method === 'POST' ? rpcBody('status') : undefined });
      expect(res.status, path).toBe(401);
      expectSecurityHeaders(res);
    }
  });

  it('trades the URL token for an HttpOnly SameSite=Strict cookie scoped to the prefix, with a 303 to the prefix, as often as asked', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(home);
      expect(res.headers.get('set-cookie')).toBe(`qctl=${token}; HttpOnly; SameSite=Strict; Path=${home}`);
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    web = await WebSession.open(url);
    expect(web.cookie).toBe(`qctl=${token}`);
    expect(web.prefix).toBe(prefix);
    // The prefix without its slash leads to the page (keeping the token), since relative URLs need the slash.
    const slashless = await rawRequest(port, { path: `/${prefix}?token=${token}` });
    expect(slashless.status).toBe(303);
    expect(slashless.headers.location).toBe(`${home}?token=${token}`);
    expect(slashless.headers['set-cookie']).toBeUndefined();
  });

  it('answers 404 to every path outside the prefix, even with the cookie, without naming the prefix', async () => {
    const paths = [
      ['POST', '/rpc'],
      ['GET', '/events'],
      ['GET', '/index.html'],
      ['GET', '/assets/'],
      ['GET', '/favicon.ico'],
      ['GET', `/${prefix.slice(0, -1)}/`],
      ['GET', `/${prefix}x/`],
      ['GET', `/${prefix.slice(0, -1)}/rpc`],
      ['POST', `/${prefix}x/rpc`],
      ['GET', `/x/${prefix}/`],
      ['GET', `/%2F${prefix}/`],
      ['GET', `//${prefix}/`],
      ['POST', `/${prefix}`],
    ] as const;
    for (const [method, path] of paths) {
      const res = await rawRequest(port, { method, path, headers: { cookie: web.cookie, origin, 'content-type': 'application/json' }, body: method === 'POST' ? rpcBody('enqueue', { job: { command: 'true', name: 'outside' } }) : undefined });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body, path).toBe('not found\n');
      expect(res.headers.location, path).toBeUndefined();
      expectSecurityHeaders(res);
    }
    const root = await rawRequest(port, { path: '/', headers: { cookie: web.cookie } });
    expect(root.status).toBe(401);
    expect(root.body).toContain('queuectl ui --web');
    expect(root.body).not.toContain(prefix);
    expect(await jobNamed('outside')).toEqual([]);
  });

  it('serves index.html with the security headers, and a built asset with a JavaScript content type', async () => {
    const index = await web.request('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-store');
    expectSecurityHeaders(index);
    expect(index.body).toContain('<div id="app">');
    const script = /src="\.?(\/assets\/[^"]+\.js)"/.exec(index.body)?.[1];
    expect(script).toBeDefined();
    const js = await web.request(script!);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expectSecurityHeaders(js);
    const css = readdirSync(resolve(RENDERER, 'assets')).find((f) => f.endsWith('.css'));
    if (css) expect((await web.request(`/assets/${css}`)).headers['content-type']).toMatch(/^text\/css/);
    const head = await web.request('/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await web.request('/assets/nothing-here.js')).status).toBe(404);
    expect((await web.request('/assets/')).status).toBe(404);
  });

  it('answers JSON-RPC on POST /rpc with the cookie and the page Origin, with the same errors as the socket', async () => {
    const status = await web.call<StatusResult>('status');
    const fromCli = await t.json<StatusResult>(['status']);
    expect(status.pid).toBe(fromCli.pid);
    expect(status.home).toBe(t.home);
    const viaLocalhost = await rawRequest(port, {
      method: 'POST',
      path: web.at('/rpc'),
      headers: { host: `localhost:${port}`, origin: `http://localhost:${port}`, cookie: web.cookie, 'content-type': 'application/json; charset=utf-8' },
      body: rpcBody('status'),
    });
    expect(viaLocalhost.status).toBe(200);
    expect(viaLocalhost.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(viaLocalhost.body)).toMatchObject({ jsonrpc: '2.0', id: 1, result: { pid: fromCli.pid } });

    const unknown = await web.rpc('nope');
    expect(unknown.error).toMatchObject({ code: -32601, data: { code: 'METHOD_NOT_FOUND' } });
    expect((await web.rpc('hello', { token })).error?.data.code).toBe('METHOD_NOT_FOUND');
    const badParams = await web.rpc('show', { id: 42 });
    expect(badParams.error).toMatchObject({ code: -32602, data: { code: 'INVALID_ARGUMENT' } });
    expect((await web.rpc('show', { id: 'zzzzzzzz' })).error?.data.code).toBe('JOB_NOT_FOUND');
    const { job } = await web.call<{ job: Job }>('enqueue', { job: { command: 'true', name: 'from-web' } });
    expect((await t.show(job.id)).name).toBe('from-web');
    const notification = await web.request('/rpc', {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'status', params: {} }),
    });
    expect(notification.status).toBe(204);
  });

  it('refuses /rpc from a foreign Origin, without Origin, with an Origin that does not match Host, and with a wrong Host', async () => {
    const post = (headers: Record<string, string | null>) =>
      rawRequest(port, { method: 'POST', path: web.at('/rpc'), headers: { cookie: web.cookie, 'content-type': 'application/json', ...headers }, body: rpcBody('enqueue', { job: { command: 'true', name: 'forged' } }) });
    for (const foreign of ['http://evil.example', `http://127.0.0.1:${port + 1}`, 'null', `https://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const res = await post({ origin: foreign });
      expect(res.status, foreign).toBe(403);
      expectSecurityHeaders(res);
    }
    expect((await post({})).status).toBe(403);
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `LOCALHOST:${port}`, `[::1]:${port}`]) {
      const res = await post({ host, origin: `http://${host}` });
      expect(res.status, host).toBe(421);
      expectSecurityHeaders(res);
    }
    // Without Host, Node's HTTP parser answers 400 itself before the router sees the request.
    expect([400, 421]).toContain((await post({ host: null, origin })).status);
    const rebound = await rawRequest(port, { path: url.slice(origin.length), headers: { host: `attacker.example:${port}` } });
    expect(rebound.status).toBe(421);
    expect(rebound.headers['set-cookie']).toBeUndefined();
    expect(await jobNamed('forged')).toEqual([]);
  });

  it('refuses a body over 1 MiB (413) and a wrong Content-Type (415); answers bad JSON with a JSON-RPC parse error', async () => {
    const headers = { origin, 'content-type': 'application/json' };
    const big = await web.request('/rpc', { method: 'POST', headers, body: Buffer.alloc(1024 * 1024 + 1, 0x20) });
    expect(big.status).toBe(413);
    const head = rpcBody('status').slice(0, -1) + ',"pad":"';
    const exact = head + 'a'.repeat(1024 * 1024 - head.length - 2) + '"}';
    expect(Buffer.byteLength(exact)).toBe(1024 * 1024);
    const atLimit = await web.request('/rpc', { method: 'POST', headers, body: exact });
    expect(atLimit.status).toBe(200);
    expect(JSON.parse(atLimit.body).result.pid).toBeGreaterThan(0);

    const plain = await web.request('/rpc', { method: 'POST', headers: { origin, 'content-type': 'text/plain' }, body: rpcBody('status') });
    expect(plain.status).toBe(415);
    const noType = await web.request('/rpc', { method: 'POST', headers: { origin }, body: rpcBody('status') });
    expect(noType.status).toBe(415);

    const bad = await web.request('/rpc', { method: 'POST', headers, body: '{"jsonrpc": "2.0", "id": 1, "method": ' });
    expect(bad.status).toBe(200);
    expect(JSON.parse(bad.body)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700, data: { code: 'BAD_REQUEST' } } });
    const badUtf8 = await web.request('/rpc', { method: 'POST', headers, body: Buffer.from([0x7b, 0xff, 0x7d]) });
    expect(JSON.parse(badUtf8.body).error.code).toBe(-32700);
    const notRpc = await web.request('/rpc', { method: 'POST', headers, body: '[1, 2]' });
    expect(JSON.parse(notRpc.body).error.code).toBe(-32600);
    expect((await web.call<StatusResult>('status')).pid).toBeGreaterThan(0);
  });

  it('never serves a file outside the dashboard directory', async () => {
    const attempts = [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
      '/assets/..%2f..%2fqueuectl.db',
      '/assets/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      '/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fnode%2fdaemon.js',
      '/..%5c..%5cetc%5cpasswd',
      '//etc/passwd',
      '/%2fetc%2fpasswd',
      '/index.html%00.js',
      '/%252e%252e/%252e%252e/etc/passwd',
      '/.%2e/.%2e/etc/passwd',
      '/assets/%',
    ];
    for (const path of attempts) {
      const res = await web.request(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.body, path).not.toMatch(/root:|SQLite format|startEngine/);
      expectSecurityHeaders(res);
    }
  });

  it('answers other methods with 405', async () => {
    for (const [method, path] of [['PUT', '/'], ['DELETE', '/rpc'], ['OPTIONS', '/rpc'], ['PATCH', '/events']] as const) {
      const res = await web.request(path, { method, headers: { origin } });
      expect(res.status, `${method} ${path}`).toBe(405);
    }
    expect((await web.request('/rpc')).status).toBe(405);
    expect((await web.request('/events', { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: '{}' })).status).toBe(405);
    expect((await web.request('/', { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: '{}' })).status).toBe(405);
  });

  it('streams events: ready first, then the JobsEvent of a job enqueued through the CLI after events.subscribe on that stream', async () => {
    const sse = await web.events();
    try {
      expect(sse.headers['content-type']).toBe('text/event-stream');
      expect(sse.headers['cache-control']).toBe('no-store');
      expect(sse.received[0]!.event).toBe('ready');
      expect(sse.id).toMatch(/^[0-9a-f]{32}$/);
      expect(await web.call('events.subscribe', { jobs: true }, { stream: sse.id })).toEqual({ jobs: true, log: null });
      const id = await t.ok(['enqueue', 'echo through the stream', '--name', 'sse-job']);
      const event = await sse.nextEvent<JobsEvent>((e) => e.type === 'jobs' && e.jobs.some((j) => j.id === id));
      expect(event.jobs.find((j) => j.id === id)!.name).toBe('sse-job');
      expect(event.counts.pending + event.counts.processing + event.counts.completed).toBeGreaterThan(0);
      const done = (e: JobsEvent) => e.jobs.some((j) => j.id === id && j.state === 'completed');
      if (!done(event)) await sse.nextEvent<JobsEvent>((e) => e.type === 'jobs' && done(e));

      const unknown = await web.rpc('events.subscribe', { jobs: true }, { stream: 'f'.repeat(32) });
      expect(unknown.error).toMatchObject({ message: 'unknown event stream; reconnect', data: { code: 'INVALID_ARGUMENT' } });
      // Sec-Fetch-Site: refused when present and not same-origin; allowed when absent (not a browser).
      for (const site of ['same-site', 'cross-site', 'none']) {
        const refused = await web.events({ 'sec-fetch-site': site }).catch((err: Error) => err);
        expect(String(refused), site).toContain('403');
      }
      const sameOrigin = await web.events({ 'sec-fetch-site': 'same-origin' });
      sameOrigin.close();
      const outside = await SseStream.open(port, '/events', web.cookie).catch((err: Error) => err);
      expect(String(outside)).toContain('404');
    } finally {
      sse.close();
    }
    await waitFor(async () => (await web.rpc('status', {}, { stream: sse.id })).error?.data.code === 'INVALID_ARGUMENT', 5000, 'the closed stream to be forgotten');
  });

  it('caps the number of open event streams', async () => {
    const streams: SseStream[] = [];
    try {
      let refused: unknown = null;
      while (streams.length < 40 && refused === null) {
        try {
          streams.push(await web.events());
        } catch (err) {
          refused = err;
        }
      }
      expect(streams).toHaveLength(32);
      expect(String(refused)).toContain('503');
    } finally {
      for (const s of streams) s.close();
    }
    const again = await waitFor(() => web.events().catch(() => undefined), 5000, 'a stream slot to come free');
    again.close();
  });

  it('logs refusals at most once per kind per minute, never with the token', async () => {
    for (let i = 0; i < 5; i++) await rawRequest(port, { path: '/', headers: { host: 'rebind.example' } });
    const log = t.daemonLog();
    expect(log.match(/refused a request \(host\)/g)).toHaveLength(1);
    expect(log).toMatch(/refused a request \(origin\)/);
    expect(log).toMatch(/refused a request \(prefix\)/);
    expect(log).not.toContain(token);
    expect(log).not.toContain(prefix);
  });

  it('after worker stop the server is gone and the daemon stopped promptly, even with an open event stream', async () => {
    const sse = await web.events();
    await web.call('events.subscribe', { jobs: true }, { stream: sse.id });
    const began = Date.now();
    const stop = await t.cli(['worker', 'stop', '--timeout', '5s']);
    expect(stop.code).toBe(0);
    expect(Date.now() - began).toBeLessThan(4000);
    await sse.ended;
    const refused = await rawRequest(port, { path: home, headers: { cookie: web.cookie } }).then(
      () => 'answered',
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect(refused).toBe('ECONNREFUSED');
  });
});
