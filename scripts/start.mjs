// npm start: builds everything, then starts the queue the best way this machine allows.
// - A display (or macOS/Windows) and the Electron binary (fetched on first use when there is network):
//   makes sure better-sqlite3 has its Electron build (npm run rebuild:electron, only when missing or stale)
//   and launches the tray app through `queuectl worker start`, which returns once the app answers.
// - Otherwise: one line saying why, then the headless daemon in the foreground (Ctrl-C stops it gracefully).
// Extra arguments go to `queuectl worker start` (e.g. npm start -- --count 4, npm start -- --headless).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'out', 'cli', 'queuectl.cjs');
const passed = process.argv.slice(2);

const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) process.exit(build.status ?? 1);

const why = passed.includes('--headless') || passed.includes('--detach') ? null : desktopBlocker();
if (why) {
  process.stderr.write(
    `queuectl: running the headless daemon in the foreground (${why}); in another terminal try: node ${cli} enqueue "echo hello"\n`,
  );
}
const args = [cli, 'worker', 'start', ...(why && !passed.includes('--headless') ? ['--headless'] : []), ...passed];
const child = spawn(process.execPath, args, { stdio: 'inherit' });
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code) => process.exit(code ?? 1));

/** Why the desktop app cannot run here, or null when it can (after fetching Electron and the native build). */
function desktopBlocker() {
  // Mirrors cli/desktop-launch.ts (hasDisplay, probeElectron), which makes the final choice.
  if (process.platform !== 'darwin' && process.platform !== 'win32' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display: DISPLAY and WAYLAND_DISPLAY are unset';
  }
  if (!electronInstalled()) {
    if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'the Electron binary is not installed and ELECTRON_SKIP_BINARY_DOWNLOAD is set';
    // Said only on a terminal: where the fetch fails, the line below is the one line that explains it.
    if (process.stderr.isTTY) process.stderr.write('queuectl: fetching the Electron binary (first start only)…\n');
    const fetched = spawnSync(process.execPath, [join(root, 'node_modules', 'electron', 'install.js')], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600_000,
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
