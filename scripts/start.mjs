// npm start: builds everything, then starts the queue the best way this machine allows.
// - A display (or macOS/Windows) and the Electron binary (fetched on first use when there is network, which
//   needs Node 22.12+): makes sure better-sqlite3 has its Electron build (npm run rebuild:electron, only when
//   missing or stale) and launches the tray app through `queuectl worker start`, which returns once the app
//   answers (and itself falls back to the daemon, saying why, e.g. for Linux's chrome-sandbox).
// - Otherwise: one line saying why, then the headless daemon in the foreground (Ctrl-C stops it gracefully).
// Extra arguments go to `queuectl worker start` (e.g. npm start -- --count 4, npm start -- --headless).
// It never exits non-zero without a line saying why (desktop-setup.mjs exitLine).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronDownloadBlocker, exitLine, npmInvocation } from './lib/desktop-setup.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'out', 'cli', 'queuectl.cjs');
const passed = process.argv.slice(2);

function die(line, code = 1) {
  process.stderr.write(`${line}\n`);
  process.exit(code);
}

// npm through this Node, never a bare `npm` (Windows has only npm.cmd, which spawn cannot run without a shell).
const npm = npmInvocation(process.platform, process.execPath, process.env, existsSync);
if (!npm) die('queuectl: cannot find npm next to this Node (npm_execpath is not set); run this as: npm start');
const build = spawnSync(npm.command, [...npm.args, 'run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], windowsHide: true });
if (build.error) die(`queuectl: could not run npm run build: ${build.error.message}`);
const buildFailed = exitLine('npm run build', build.status, build.signal);
if (buildFailed) die(`${buildFailed}; its errors are above`, build.status || 1);

const why = passed.includes('--headless') || passed.includes('--detach') ? null : desktopBlocker();
if (why) {
  process.stderr.write(
    `queuectl: running the headless daemon in the foreground (${why}); in another terminal try: node ${cli} enqueue "echo hello"\n`,
  );
}
const args = [cli, 'worker', 'start', ...(why && !passed.includes('--headless') ? ['--headless'] : []), ...passed];
const child = spawn(process.execPath, args, { stdio: 'inherit' });
// Ctrl-C reaches the child through the terminal; a kill of this process is passed on.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('error', (err) => die(`queuectl: could not run queuectl worker start: ${err.message}`));
child.on('exit', (code, signal) => {
  // worker start says why it failed itself; this adds a line only for a death it could not report.
  if (signal) die(exitLine('queuectl worker start', code, signal));
  process.exit(code ?? 1);
});

/** Why the desktop app cannot run here, or null when it can (after fetching Electron and the native build). */
function desktopBlocker() {
  // Mirrors cli/desktop-launch.ts (hasDisplay, probeElectron), which makes the final choice.
  if (process.platform !== 'darwin' && process.platform !== 'win32' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display: DISPLAY and WAYLAND_DISPLAY are unset';
  }
  if (!electronInstalled()) {
    if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'the Electron binary is not installed and ELECTRON_SKIP_BINARY_DOWNLOAD is set';
    const oldNode = electronDownloadBlocker(process.version);
    if (oldNode) return oldNode;
    // Said only on a terminal: where the fetch fails, the line below is the one line that explains it.
    if (process.stderr.isTTY) process.stderr.write('queuectl: fetching the Electron binary (first start only)…\n');
    const fetched = spawnSync(process.execPath, [join(root, 'node_modules', 'electron', 'install.js')], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600_000,
      windowsHide: true,
    });
    if (fetched.status !== 0 || !electronInstalled()) {
      const first = `${fetched.stderr ?? ''}\n${fetched.stdout ?? ''}`.split('\n').map((l) => l.trim()).find(Boolean);
      return `the Electron binary could not be downloaded: ${(first ?? fetched.error?.message ?? `exit code ${fetched.status}`).slice(0, 160)}`;
    }
  }
  const native = spawnSync(process.execPath, [join(root, 'scripts', 'rebuild-electron.mjs'), '--if-needed'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
    windowsHide: true,
  });
  const said = (native.stderr ?? '').trim().split('\n').filter(Boolean);
  if (native.status !== 0) return `better-sqlite3 has no Electron build: ${(said.at(-1) ?? 'npm run rebuild:electron failed').replace(/^rebuild:electron: /, '')}`;
  if (said.length > 0) process.stderr.write(`${said.join('\n')}\n`);
  return null;
}

function electronInstalled() {
  const dir = join(root, 'node_modules', 'electron');
  let name;
  try {
    name = readFileSync(join(dir, 'path.txt'), 'utf8').trim();
  } catch {
    return false;
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  return existsSync(override ? join(override, name || 'electron') : join(dir, 'dist', name));
}
