import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  decideLaunch,
  desktopEnv,
  desktopFallbackNote,
  hasDisplay,
  lastLine,
  probeElectron,
  probeNativeBuild,
  remoteSession,
  type FileProbe,
  type LaunchFacts,
} from '../../cli/desktop-launch.js';
import { checkSandbox, sandboxFacts, type SandboxProbe } from '../../cli/linux-sandbox.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

/** A made-up installation: paths that exist, and file contents. */
function files(contents: Record<string, string>, exists: string[] = []): FileProbe {
  return {
    exists: (p) => p in contents || exists.includes(p),
    read: (p) => contents[p] ?? null,
  };
}

const ROOT = '/app';
const desktopReady: LaunchFacts = {
  platform: 'linux',
  env: { DISPLAY: ':0' },
  headless: false,
  detach: false,
  electron: { found: true, path: '/app/node_modules/electron/dist/electron' },
  appBuilt: true,
  native: { ok: true },
};

describe('worker start: desktop app or headless daemon', () => {
  it('launches the desktop app when there is a display, Electron, the app build and the native build', () => {
    expect(decideLaunch(desktopReady)).toEqual({ mode: 'desktop', electron: '/app/node_modules/electron/dist/electron' });
  });

  it('--headless and --detach choose the daemon without a word (scripts and tests rely on --detach)', () => {
    expect(decideLaunch({ ...desktopReady, headless: true })).toEqual({ mode: 'headless', reason: null });
    expect(decideLaunch({ ...desktopReady, detach: true })).toEqual({ mode: 'headless', reason: null });
  });

  it.each<[string, Partial<LaunchFacts>, RegExp]>([
    ['no display', { env: {} }, /no display/],
    ['no Electron binary', { electron: { found: false, why: 'the Electron binary is not installed' } }, /Electron binary is not installed/],
    ['no app build', { appBuilt: false }, /npm run build/],
    ['no Electron build of better-sqlite3', { native: { ok: false, why: 'better-sqlite3 has no build for Electron yet (run: npm run rebuild:electron)' } }, /rebuild:electron/],
  ])('falls back to the daemon with a reason: %s', (_what, change, reason) => {
    const decision = decideLaunch({ ...desktopReady, ...change });
    expect(decision.mode).toBe('headless');
    expect(decision.mode === 'headless' && decision.reason).toMatch(reason);
  });

  it('an SSH session or CI means the daemon, even with a display (X forwarding) and everything installed', () => {
    const ssh = decideLaunch({ ...desktopReady, env: { DISPLAY: 'localhost:10.0', SSH_CONNECTION: '10.0.0.2 52000 10.0.0.1 22' } });
    expect(ssh).toEqual({ mode: 'headless', reason: 'an SSH session (SSH_CONNECTION or SSH_TTY is set)' });
    expect(decideLaunch({ ...desktopReady, env: { DISPLAY: ':0', SSH_TTY: '/dev/pts/3' } }).mode).toBe('headless');
    for (const platform of ['darwin', 'win32'] as const) {
      expect(decideLaunch({ ...desktopReady, platform, env: { SSH_CONNECTION: 'x' } }).mode).toBe('headless');
      expect(decideLaunch({ ...desktopReady, platform, env: { CI: 'true' } })).toEqual({ mode: 'headless', reason: 'running under CI (CI is set)' });
    }
    expect(decideLaunch({ ...desktopReady, env: { DISPLAY: ':0', CI: '1' } }).mode).toBe('headless');
    // CI spelled off counts as not CI.
    for (const ci of ['', '0', 'false', 'FALSE']) expect(remoteSession({ CI: ci })).toBeNull();
    expect(decideLaunch({ ...desktopReady, env: { DISPLAY: ':0', CI: 'false', SSH_CONNECTION: '' } }).mode).toBe('desktop');
    // The flags still decide silently.
    expect(decideLaunch({ ...desktopReady, env: { SSH_TTY: '/dev/pts/1' }, headless: true })).toEqual({ mode: 'headless', reason: null });
  });

  it('a desktop app that exits or never answers: one line with why, what it last said and where its log is', () => {
    const log = '/home/u/.config/queuectl/daemon.log';
    expect(desktopFallbackNote({ kind: 'exited', code: 1, signal: null }, 'queuectl: better-sqlite3 has no build for Electron', log)).toBe(
      'queuectl: the desktop app did not start (it exited with code 1; it said: queuectl: better-sqlite3 has no build for Electron); ' +
        `its log is ${log}; running the headless daemon instead`,
    );
    expect(desktopFallbackNote({ kind: 'timeout', waitedMs: 30_000 }, null, log)).toBe(
      `queuectl: the desktop app did not start (it did not answer within 30 s); its log is ${log}; running the headless daemon instead`,
    );
    expect(desktopFallbackNote({ kind: 'exited', code: null, signal: 'SIGSEGV' }, '', log)).toMatch(/^queuectl: the desktop app did not start \(it exited on SIGSEGV\); its log/);
    const long = desktopFallbackNote({ kind: 'exited', code: 1, signal: null }, 'x'.repeat(500), log);
    expect(long.split('\n')).toHaveLength(1);
    expect(long.length).toBeLessThan(400);
    expect(lastLine('2025 starting\n\n2025 [123:ERROR:gpu] failed to start\n\n')).toBe('2025 [123:ERROR:gpu] failed to start');
    expect(lastLine('\n \n')).toBeNull();
  });

  it('a display is DISPLAY or WAYLAND_DISPLAY on Linux, and always there on macOS and Windows', () => {
    expect(hasDisplay('linux', {})).toBe(false);
    expect(hasDisplay('linux', { DISPLAY: '' })).toBe(false);
    expect(hasDisplay('linux', { DISPLAY: ':1' })).toBe(true);
    expect(hasDisplay('linux', { WAYLAND_DISPLAY: 'wayland-0' })).toBe(true);
    expect(hasDisplay('freebsd', {})).toBe(false);
    expect(hasDisplay('darwin', {})).toBe(true);
    expect(hasDisplay('win32', {})).toBe(true);
  });

  it('finds Electron as its package does (path.txt, dist/, ELECTRON_OVERRIDE_DIST_PATH), without requiring it', () => {
    const pkg = join(ROOT, 'node_modules', 'electron');
    expect(probeElectron(ROOT, {}, files({}))).toMatchObject({ found: false, why: expect.stringMatching(/not installed/) });
    expect(probeElectron(ROOT, {}, files({ [join(pkg, 'path.txt')]: 'electron' }))).toMatchObject({ found: false });
    expect(probeElectron(ROOT, {}, files({ [join(pkg, 'path.txt')]: 'electron\n' }, [join(pkg, 'dist', 'electron')]))).toEqual({
      found: true,
      path: join(pkg, 'dist', 'electron'),
    });
    expect(probeElectron(ROOT, { ELECTRON_OVERRIDE_DIST_PATH: '/opt/electron' }, files({}, ['/opt/electron/electron']))).toEqual({
      found: true,
      path: '/opt/electron/electron',
    });
  });

  it('accepts the native build only for the installed Electron and better-sqlite3', () => {
    const dir = join(ROOT, 'out', 'native', 'electron');
    const installed = {
      [join(ROOT, 'node_modules', 'electron', 'package.json')]: JSON.stringify({ version: '45.5.0' }),
      [join(ROOT, 'node_modules', 'better-sqlite3', 'package.json')]: JSON.stringify({ version: '12.11.1' }),
    };
    const stamp = (electron: string) => ({ [join(dir, 'build.json')]: JSON.stringify({ electron, betterSqlite3: '12.11.1', abi: '150' }) });
    expect(probeNativeBuild(ROOT, files(installed))).toMatchObject({ ok: false, why: expect.stringMatching(/rebuild:electron/) });
    expect(probeNativeBuild(ROOT, files({ ...installed, ...stamp('45.5.0') }, [join(dir, 'better_sqlite3.node')]))).toEqual({ ok: true });
    expect(probeNativeBuild(ROOT, files({ ...installed, ...stamp('44.0.0') }, [join(dir, 'better_sqlite3.node')]))).toMatchObject({
      ok: false,
      why: expect.stringMatching(/Electron 44\.0\.0.*45\.5\.0/),
    });
  });

  it('starts the app with the data directory, marked as launched by the CLI, never as plain Node', () => {
    const env = desktopEnv({ PATH: '/bin', ELECTRON_RUN_AS_NODE: '1' }, '/home/u/.config/queuectl');
    expect(env).toEqual({ PATH: '/bin', QUEUECTL_HOME: '/home/u/.config/queuectl', QUEUECTL_LAUNCHED_BY: 'cli' });
  });
});

describe('worker start on this machine (no Electron binary, no display): the headless daemon, as before', () => {
  let home: TestHome | null = null;
  afterEach(async () => {
    await home?.dispose();
    home = null;
  });

  it('the foreground start says why it runs the daemon, and the daemon answers', async () => {
    home = new TestHome();
    const env = home.env({ DISPLAY: '', WAYLAND_DISPLAY: '', CI: '', SSH_CONNECTION: '', SSH_TTY: '' });
    const child = spawn(process.execPath, [resolve('out/cli/queuectl.cjs'), 'worker', 'start', '--count', '1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await waitFor(() => home!.answers(), 20_000, 'the foreground daemon to answer');
    // The daemon runs in the foreground: it is this very CLI process (issue 15), not a child of it.
    const status = await home.cli(['status', '--json']);
    expect(JSON.parse(status.stdout).pid).toBe(child.pid);
    expect(stderr).toContain('queuectl: running the headless daemon: no display (DISPLAY and WAYLAND_DISPLAY are unset)');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('over SSH (even with a forwarded DISPLAY) it says so and runs the daemon', async () => {
    home = new TestHome();
    const env = home.env({ DISPLAY: 'localhost:10.0', SSH_CONNECTION: '10.0.0.2 52000 10.0.0.1 22', CI: '' });
    const child = spawn(process.execPath, [resolve('out/cli/queuectl.cjs'), 'worker', 'start', '--count', '1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await waitFor(() => home!.answers(), 20_000, 'the foreground daemon to answer');
    expect(stderr).toContain('queuectl: running the headless daemon: an SSH session (SSH_CONNECTION or SSH_TTY is set)');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('--detach --json keeps printing {pid, home} and starts the daemon', async () => {
    home = new TestHome();
    const out = await home.json<Record<string, unknown>>(['worker', 'start', '--detach', '--count', '1']);
    expect(Object.keys(out).sort()).toEqual(['home', 'pid']);
    expect(out.home).toBe(home.home);
  });
});

describe('Linux: Chromium sandbox before launching (Ubuntu 23.10+ user-namespace restriction)', () => {
  const binary = '/home/me/app/node_modules/electron/dist/electron';
  const helper = '/home/me/app/node_modules/electron/dist/chrome-sandbox';
  const probe = (proc: Record<string, string>, helperStat: { uid: number; mode: number } | null, extra: Partial<SandboxProbe> = {}): SandboxProbe => ({
    read: (p) => proc[p] ?? null,
    stat: (p) => (p === helper ? helperStat : null),
    apparmorProfiles: () => [],
    uid: 1000,
    ...extra,
  });
  const UBUNTU = { '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '1\n', '/proc/sys/user/max_user_namespaces': '63450\n' };
  const asNpmLeftIt = { uid: 1000, mode: 0o100755 };

  it('Ubuntu 24.04 with npm’s chrome-sandbox: the daemon, with the exact chown/chmod line for that file', () => {
    const check = checkSandbox('linux', sandboxFacts(binary, probe(UBUNTU, asNpmLeftIt)));
    expect(check).toEqual({
      ok: false,
      why: expect.stringContaining(`set it up once with: sudo chown root:root ${helper} && sudo chmod 4755 ${helper}`),
    });
    expect(!check.ok && check.why).toMatch(/^AppArmor restricts unprivileged user namespaces.*chrome-sandbox, which is not set up \(owner uid 1000, mode 755\)/);
    const decision = decideLaunch({ ...desktopReady, sandbox: check });
    expect(decision).toEqual({ mode: 'headless', reason: !check.ok ? check.why : '' });
  });

  it('the helper set up (root, setuid), user namespaces allowed, or an AppArmor profile for the binary: the desktop app', () => {
    expect(checkSandbox('linux', sandboxFacts(binary, probe(UBUNTU, { uid: 0, mode: 0o104755 })))).toEqual({ ok: true });
    expect(checkSandbox('linux', sandboxFacts(binary, probe({ '/proc/sys/kernel/apparmor_restrict_unprivileged_userns': '0\n' }, asNpmLeftIt)))).toEqual({ ok: true });
    expect(checkSandbox('linux', sandboxFacts(binary, probe({}, null)))).toEqual({ ok: true });
    const profiled = probe(UBUNTU, asNpmLeftIt, { apparmorProfiles: () => [`profile electron ${binary} flags=(unconfined) {\n  userns,\n}`] });
    expect(checkSandbox('linux', sandboxFacts(binary, profiled))).toEqual({ ok: true });
    expect(checkSandbox('darwin', sandboxFacts(binary, probe(UBUNTU, null)))).toEqual({ ok: true });
  });

  it('older Debian (unprivileged_userns_clone = 0), no user namespaces at all, a missing helper, root', () => {
    const debian = checkSandbox('linux', sandboxFacts(binary, probe({ '/proc/sys/kernel/unprivileged_userns_clone': '0' }, asNpmLeftIt)));
    expect(!debian.ok && debian.why).toMatch(/^unprivileged user namespaces are off \(kernel\.unprivileged_userns_clone = 0\)/);
    const none = checkSandbox('linux', sandboxFacts(binary, probe({ '/proc/sys/user/max_user_namespaces': '0' }, null)));
    expect(!none.ok && none.why).toMatch(/max_user_namespaces = 0.*which is missing/);
    const root = checkSandbox('linux', sandboxFacts(binary, probe({}, null, { uid: 0 })));
    expect(!root.ok && root.why).toMatch(/does not run as root/);
  });
});
