import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { homePaths } from '../../protocol/node/paths.js';
import { CLI, TestHome } from '../helpers/daemon.js';

/**
 * The socket is the daemon's only door: on Unix it is protected by file modes. Another OS user must not be
 * able to read the token, reach the socket, or enqueue anything.
 */

const NOBODY = 65534;
const mode = (path: string): string => (lstatSync(path).mode & 0o777).toString(8).padStart(4, '0');

/** How to run a command as user nobody, or why we cannot (decided once, before the tests are collected). */
function findSwitchUser(): { prefix: string[] } | { reason: string } {
  if (process.platform === 'win32') return { reason: 'Windows has no Unix file modes' };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { reason: 'cannot switch to user nobody (not root)' };
  const candidates: string[][] = [
    ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'],
    ['runuser', '-u', 'nobody', '--'],
  ];
  for (const prefix of candidates) {
    const probe = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, '-e', 'process.stdout.write(String(process.getuid()))'], {
      cwd: tmpdir(),
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (probe.status === 0 && probe.stdout === String(NOBODY)) return { prefix };
  }
  return { reason: `cannot switch to user nobody: neither setpriv nor runuser could run ${process.execPath} as uid ${NOBODY}` };
}

const switchUser = findSwitchUser();
const cannotSwitch = 'reason' in switchUser;
if ('reason' in switchUser) console.log(`skipped: ${switchUser.reason} (permissions.test.ts, tests run as another user)`);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node args` as user nobody, bounded to 15 s. */
function asNobody(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  if ('reason' in switchUser) throw new Error(switchUser.reason);
  const [cmd, ...rest] = switchUser.prefix;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, [...rest, process.execPath, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Connects to the socket and, if that works, tries a hello without the token. Prints one result line. */
const PROBE_SCRIPT = `
const net = require('node:net');
const fs = require('node:fs');
const [socketPath, tokenPath] = process.argv.slice(2);
setTimeout(() => { console.log('TIMEOUT'); process.exit(0); }, 8000).unref();
let tokenResult;
try { fs.readFileSync(tokenPath); tokenResult = 'TOKEN_READABLE'; } catch (err) { tokenResult = 'TOKEN_' + err.code; }
const s = net.connect(socketPath);
s.on('connect', () => {
  console.log(tokenResult + ' CONNECTED');
  s.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'hello', params: { token: 'guess', protocol_version: 1 } }) + '\\n');
  s.on('data', (d) => process.stdout.write('ANSWER ' + d));
  s.on('close', () => process.exit(0));
});
s.on('error', (err) => { console.log(tokenResult + ' ' + err.code); process.exit(0); });
`;

describe('file permissions keep other local users out', () => {
  const t = new TestHome();
  const paths = homePaths(t.home);
  /** World-readable scratch dir with a copy of the CLI bundle and the probe script, for user nobody. */
  let shared = '';

  beforeAll(async () => {
    // Start from a loose home, so a 0700 afterwards is the daemon's doing and not mkdtemp's.
    chmodSync(t.home, 0o755);
    await t.start(1);
    // Wait for it to finish, so the job list the tests compare before and after is at rest.
    const id = await t.ok(['enqueue', 'true']);
    await t.until(id, 'completed');

    shared = mkdtempSync(join(tmpdir(), 'qctl-shared-'));
    chmodSync(shared, 0o755);
    for (const file of ['queuectl.cjs', 'main.cjs']) {
      // the launcher and the bundle it runs (cli/launcher/)
      copyFileSync(join(CLI, '..', file), join(shared, file));
      chmodSync(join(shared, file), 0o644);
    }
    writeFileSync(join(shared, 'probe.cjs'), PROBE_SCRIPT);
    chmodSync(join(shared, 'probe.cjs'), 0o644);
  });

  afterAll(async () => {
    await t.dispose();
    if (shared) rmSync(shared, { recursive: true, force: true });
  });

  const nobodyEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: shared, QUEUECTL_HOME: t.home, NO_COLOR: '1' });
  const allJobs = async (): Promise<string> => JSON.stringify(await t.json<Job[]>(['list', '--limit', '100000']));

  it('the data dir is 0700 and the socket, token and database are 0600, all owned by the daemon user', () => {
    expect(paths.socket.startsWith(t.home)).toBe(true);
    expect(lstatSync(paths.socket).isSocket()).toBe(true);
    expect({
      home: mode(t.home),
      logs: mode(paths.logs),
      socket: mode(paths.socket),
      token: mode(paths.token),
      database: mode(paths.database),
    }).toEqual({ home: '0700', logs: '0700', socket: '0600', token: '0600', database: '0600' });
    // SQLite's side files hold the same data as the database.
    for (const side of [`${paths.database}-wal`, `${paths.database}-shm`]) {
      if (existsSync(side)) expect(mode(side), side).toBe('0600');
    }
    const uid = process.getuid?.();
    for (const p of [t.home, paths.socket, paths.token, paths.database]) expect(statSync(p).uid, p).toBe(uid);
  });

  it.skipIf(cannotSwitch)('another OS user cannot enqueue with the CLI: non-zero exit, a clear error, no new job', async () => {
    const before = await allJobs();
    const r = await asNobody([join(shared, 'queuectl.cjs'), 'enqueue', 'touch /tmp/queuectl-should-not-exist'], nobodyEnv(), shared);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull(); // not killed by our 15 s bound
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/permission denied|another user/i);
    expect(r.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
    expect(await allJobs()).toBe(before);
  });

  it.skipIf(cannotSwitch)('another OS user cannot connect to the socket or read the token (EACCES)', async () => {
    // Control: the same probe, as the same user, does reach a socket and a file that are open to everyone.
    const control = createServer((s) => s.resume().end());
    const controlSocket = join(shared, 'control.sock');
    await new Promise<void>((resolve) => control.listen(controlSocket, resolve));
    try {
      chmodSync(controlSocket, 0o666);
      const reachable = await asNobody([join(shared, 'probe.cjs'), controlSocket, join(shared, 'probe.cjs')], nobodyEnv(), shared);
      expect(reachable.stdout.trim()).toBe('TOKEN_READABLE CONNECTED');
    } finally {
      await new Promise((resolve) => control.close(resolve));
    }

    const r = await asNobody([join(shared, 'probe.cjs'), paths.socket, paths.token], nobodyEnv(), shared);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('TOKEN_EACCES EACCES');
  });

  it.skipIf(cannotSwitch)('even with the data dir opened to traversal (0711), the 0600 socket and token alone refuse another user', async () => {
    const before = await allJobs();
    chmodSync(t.home, 0o711);
    try {
      const probe = await asNobody([join(shared, 'probe.cjs'), paths.socket, paths.token], nobodyEnv(), shared);
      expect(probe.stdout.trim()).toBe('TOKEN_EACCES EACCES');
      const cli = await asNobody([join(shared, 'queuectl.cjs'), 'enqueue', 'true'], nobodyEnv(), shared);
      expect(cli.code).not.toBe(0);
      expect(cli.code).not.toBeNull();
      expect(cli.stderr).toMatch(/permission denied|another user/i);
    } finally {
      chmodSync(t.home, 0o700);
    }
    expect(await allJobs()).toBe(before);
  });
});
