import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../cli/errors.js';
import { DaemonUnavailable, RpcClient } from '../../protocol/node/client.js';
import { homePaths } from '../../protocol/node/paths.js';
import { CLI, TestHome, isAlive, waitFor, type CliResult } from '../helpers/daemon.js';
import { Flood } from './flood.js';

/**
 * Socket-level failures are the documented "daemon unavailable" (exit 3) with a reason, never a raw
 * `read ECONNRESET` or `write EPIPE` with exit 1: a daemon killed mid-request, a daemon out of file
 * descriptors (it accepts and drops connections), and a CLI that has no descriptor left itself.
 */

const RAW = /^queuectl: error: (read|write|connect) E[A-Z]+/m;

/** Descriptors of a process that are sockets (Linux /proc). */
function socketsOf(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).filter((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')).length;
  } catch {
    return 0;
  }
}

describe('a daemon that goes away mid-request: exit 3 with a reason (real daemon)', () => {
  let t: TestHome;

  beforeAll(() => {
    t = new TestHome();
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('a call under way when the daemon is killed rejects with DaemonUnavailable naming the call and the pid (exit 3)', async () => {
    const pid = await t.start(1);
    const client = await RpcClient.connect(t.home, 'unavailable-test');
    process.kill(pid, 'SIGSTOP');
    const call = client.call('status', {}, { timeoutMs: 0 });
    process.kill(pid, 'SIGKILL');
    const err = await call.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DaemonUnavailable);
    expect((err as DaemonUnavailable).reason).toBe('connection-lost');
    expect((err as Error).message).toContain(`the queuectl daemon (pid ${pid}) closed the connection before answering \`status\``);
    expect(exitCodeFor(err)).toBe(3);
    client.close();
    await waitFor(() => !isAlive(pid), 10_000, 'the daemon to die');
  });

  it('the CLI waiting for hello when the daemon is killed exits 3 or, finding none, reads the store; never a raw socket error', async () => {
    const pid = await t.start(1);
    process.kill(pid, 'SIGSTOP');
    const child = spawn(process.execPath, [CLI, 'status'], { env: t.env({ QUEUECTL_TIMEOUT: '0' }) });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    await waitFor(() => socketsOf(child.pid!) > 0, 10_000, 'the CLI to connect');
    process.kill(pid, 'SIGKILL');
    const code = await done;
    expect(stderr).not.toMatch(RAW);
    // The connection broke (exit 3), or the retried connect found no daemon and status read the store.
    if (code === 3) expect(stderr).toMatch(/closed the connection/);
    else expect({ code, stderr }).toMatchObject({ code: 0, stderr: expect.stringMatching(/no daemon is running .*working on the store directly/) });
  });
});

describe('out of file descriptors: exit 3 with a reason (real daemon)', () => {
  let t: TestHome;
  let pid: number;

  beforeAll(async () => {
    t = new TestHome();
    // A daemon that may hold 48 descriptors (it uses about 30): a few idle connections use up the rest.
    const started = spawnSync('sh', ['-c', `ulimit -n 48 && exec "${process.execPath}" "${CLI}" worker start --detach --count 1 --json`], { env: t.env(), encoding: 'utf8' });
    expect(started.status, started.stderr).toBe(0);
    pid = (JSON.parse(started.stdout) as { pid: number }).pid;
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('a daemon out of descriptors drops connections: the CLI says so (exit 3), not write EPIPE / read ECONNRESET', async () => {
    const flood = new Flood({ path: homePaths(t.home).socket, total: 1_000_000, parallel: 200, holdMs: 0, maxMs: 8_000 });
    await flood.reached((s) => s.closedByServer >= 1000);
    // Tried until one is turned away (most are, while the flood lasts); none may end in a raw error.
    const results: CliResult[] = [];
    while (!flood.finished && !results.some((r) => r.code === 3)) results.push(await t.cli(['status'], { env: { QUEUECTL_TIMEOUT: '2s' } }));
    await flood.done;
    for (const r of results) {
      expect([0, 3]).toContain(r.code);
      expect(r.stderr).not.toMatch(RAW);
    }
    const refused = results.find((r) => r.code === 3);
    expect(refused?.stderr).toMatch(new RegExp(`the queuectl daemon \\(pid ${pid}\\) (closed the connection before answering \`hello\` \\((read ECONNRESET|write EPIPE|closed)\\)|did not answer)`));
    // Once the flood is over the daemon is reachable again.
    expect((await t.cli(['status'])).code).toBe(0);
  });

  it('a CLI with no descriptor left says so (exit 3): the smallest limit under which node starts', async () => {
    const outcomes: string[] = [];
    for (let limit = 12; limit <= 40; limit++) {
      const r = spawnSync('sh', ['-c', `ulimit -n ${limit} && exec "${process.execPath}" "${CLI}" status`], { env: t.env(), encoding: 'utf8' });
      // Below some limit node itself cannot start (crash, or it cannot load the CLI): not the CLI's doing.
      if (r.status === null || !r.stderr.startsWith('queuectl:') && r.status !== 0) continue;
      outcomes.push(r.status === 0 ? 'ok' : r.stderr);
      if (r.status === 0) break;
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/no file descriptors left \(EMFILE\)|closed the connection/);
    }
    expect(outcomes.some((o) => o.includes('no file descriptors left (EMFILE)'))).toBe(true);
  });
});
