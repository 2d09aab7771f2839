import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusResult } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { homePaths } from '../../protocol/node/paths.js';
import { TestHome } from '../helpers/daemon.js';
import { parseDashboardUrl, WebSession } from '../helpers/web.js';
import { Flood, sampleDescriptors } from './flood.js';

/**
 * Another local user (on Windows any user, for the pipe; on Unix the owner's own runaway scripts, since the
 * socket is 0600) opens connections and leaves them idle. 20,000 of them, from a separate process on
 * loopback, must not keep the owner out of the dashboard (web port) or the daemon (socket): the daemon cuts
 * the oldest connections that have not authenticated beyond its cap, so it never holds more than about
 * that many, and the owner's fresh connections are served all along. Each flood ends by itself.
 *
 * 20,000 connections fit here: ulimit -n is 20,000 and the server closes what it sheds, so neither side
 * holds more than a few thousand at once.
 */
const FLOOD = 20_000;
/** MAX_UNAUTHENTICATED_CONNECTIONS (web) and MAX_UNAUTHENTICATED (socket), plus the daemon's own files, workers and sockets. */
const MOST_DESCRIPTORS = 1024 + 200;

describe('20,000 idle connections cannot lock the owner out (real daemon, loopback)', () => {
  let t: TestHome;
  let pid: number;
  let url: string;
  let port: number;

  beforeAll(async () => {
    t = new TestHome();
    pid = await t.start(1);
    url = await t.ok(['ui', '--web']);
    ({ port } = parseDashboardUrl(url));
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('web port: 20,000 connections with half-sent headers; a new browser signs in and every request on a fresh connection is answered', async () => {
    const descriptors = sampleDescriptors(pid);
    const flood = new Flood({ port, total: FLOOD, parallel: 500, send: `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`, holdMs: 1000 });
    await flood.reached((s) => s.opened >= 3000);
    const owner = await WebSession.open(url);
    let answered = 0;
    let slowest = 0;
    while (!flood.finished) {
      const started = Date.now();
      const status = await owner.call<StatusResult>('status');
      slowest = Math.max(slowest, Date.now() - started);
      expect(status.pid).toBe(pid);
      answered++;
    }
    const stats = await flood.done;
    const most = descriptors.stop();
    expect(stats.opened).toBe(FLOOD);
    expect(stats.closedByServer).toBeGreaterThan(FLOOD - 2 * MOST_DESCRIPTORS);
    expect(answered).toBeGreaterThanOrEqual(5);
    expect(slowest).toBeLessThan(3000);
    if (most > 0) expect(most).toBeLessThan(MOST_DESCRIPTORS);
    expect(t.daemonLog()).toMatch(/refused a request \(connection-cap\)/);
  });

  it('web port: a connection that never finishes its headers is closed after the 10 s header timeout', async () => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    await new Promise((r) => socket.once('connect', r));
    const opened = Date.now();
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    await new Promise((r) => socket.once('close', r));
    const after = Date.now() - opened;
    expect(after).toBeGreaterThanOrEqual(9_500);
    expect(after).toBeLessThan(13_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('socket: 20,000 connections that never say hello; the CLI and a client connect all along', async () => {
    const descriptors = sampleDescriptors(pid);
    const flood = new Flood({ path: homePaths(t.home).socket, total: FLOOD, parallel: 500, holdMs: 1000 });
    await flood.reached((s) => s.opened >= 3000);
    let runs = 0;
    while (!flood.finished) {
      const r = await t.cli(['status', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as StatusResult).pid).toBe(pid);
      const client = await RpcClient.connect(t.home, 'flood-test');
      expect((await client.call('status', {})).pid).toBe(pid);
      client.close();
      runs++;
    }
    const stats = await flood.done;
    const most = descriptors.stop();
    expect(stats.opened).toBe(FLOOD);
    expect(runs).toBeGreaterThanOrEqual(2);
    if (most > 0) expect(most).toBeLessThan(MOST_DESCRIPTORS);
  });
});
