// What scripts/start.mjs and scripts/rebuild-electron.mjs decide, as pure functions (typed by
// desktop-setup.d.mts, tested in tests/desktop/desktop-setup.test.ts): how to run npm and node-gyp on each OS,
// whether this Node can fetch Electron, which compiler toolchain is missing, and the one line said on exit.
import { posix, win32 } from 'node:path';

/** Paths as the target OS spells them (tests ask about Windows on Linux). */
const pathFor = (platform) => (platform === 'win32' ? win32 : posix);

/**
 * npm, run without a shell. Windows has no `npm` executable, only npm.cmd, which spawn() without a shell
 * cannot start (and Node refuses .cmd files without one since the April 2024 security releases); so npm's own
 * JavaScript entry runs on this Node: npm_execpath (set by `npm start`), else npm-cli.js where Node's
 * installers put it. Null when it cannot be found (then the caller says so).
 */
export function npmInvocation(platform, execPath, env, exists) {
  const { dirname, join } = pathFor(platform);
  const viaEnv = env.npm_execpath;
  if (viaEnv && /\.(c|m)?js$/.test(viaEnv) && exists(viaEnv)) return { command: execPath, args: [viaEnv] };
  const bundled =
    platform === 'win32'
      ? join(dirname(execPath), 'node_modules', 'npm', 'bin', 'npm-cli.js')
      : join(dirname(execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (exists(bundled)) return { command: execPath, args: [bundled] };
  if (platform !== 'win32') return { command: 'npm', args: [] };
  return null;
}

/**
 * Where node-gyp may be, best first: the one npm runs scripts with (npm_config_node_gyp), the one beside the
 * npm running us (npm_execpath), npm's bundled copy next to Node (Windows: <node dir>\node_modules\npm\…;
 * elsewhere <prefix>/lib/node_modules/npm/…), a local one.
 */
export function nodeGypCandidates(platform, execPath, env, root) {
  const { dirname, join } = pathFor(platform);
  const tail = ['node_modules', 'node-gyp', 'bin', 'node-gyp.js'];
  return [
    env.npm_config_node_gyp,
    env.npm_execpath ? join(dirname(env.npm_execpath), '..', ...tail) : null,
    platform === 'win32' ? join(dirname(execPath), 'node_modules', 'npm', ...tail) : join(dirname(execPath), '..', 'lib', 'node_modules', 'npm', ...tail),
    join(root, ...tail),
  ].filter(Boolean);
}

/** Electron 45's package (and its downloader, @electron/get) needs Node 22.12 or newer. */
export const ELECTRON_MIN_NODE = [22, 12, 0];

/** Why this Node cannot download the Electron binary, or null when it can. */
export function electronDownloadBlocker(nodeVersion) {
  const [major = 0, minor = 0, patch = 0] = nodeVersion.replace(/^v/, '').split('.').map(Number);
  const [M, m, p] = ELECTRON_MIN_NODE;
  const ok = major !== M ? major > M : minor !== m ? minor > m : patch >= p;
  return ok
    ? null
    : `the Electron binary is not installed, and Electron 45's downloader needs Node ${M}.${m}+ (this is Node ${nodeVersion.replace(/^v/, '')}); install Node ${M}.${m} or newer for the desktop app`;
}

/**
 * What is missing to compile better-sqlite3 against Electron's headers, in one line, or null. `has(tool)`
 * says whether a command works; `gccMajor` is g++'s major version or null. Per OS:
 * - Linux: Python 3 and make (node-gyp), and a C++ compiler: g++ 13+ (better-sqlite3 notes that Electron 43+
 *   headers need GCC 13) or clang++;
 * - macOS: the Xcode Command Line Tools (clang, make) and Python 3;
 * - Windows: Visual Studio (Build Tools) with the C++ workload, found by vswhere, and Python 3.
 */
export function missingToolchain(platform, has, gccMajor) {
  const missing = [];
  if (platform === 'win32') {
    if (!has('msvc')) missing.push('Visual Studio Build Tools with "Desktop development with C++"');
    if (!has('python')) missing.push('Python 3');
    return missing.length
      ? `compiling it needs ${missing.join(' and ')} (winget install Microsoft.VisualStudio.2022.BuildTools Python.Python.3.12, then add the C++ workload)`
      : null;
  }
  if (platform === 'darwin') {
    if (!has('xcode')) missing.push('the Xcode Command Line Tools');
    if (!has('python3')) missing.push('Python 3');
    return missing.length ? `compiling it needs ${missing.join(' and ')} (xcode-select --install)` : null;
  }
  if (!has('python3')) missing.push('python3');
  if (!has('make')) missing.push('make');
  if (!has('clang++')) {
    if (!has('g++')) missing.push('g++ 13 or newer');
    else if (gccMajor !== null && gccMajor < 13) missing.push(`g++ 13 or newer (this is g++ ${gccMajor})`);
  }
  return missing.length ? `compiling it needs ${missing.join(', ')} (Debian/Ubuntu: sudo apt install python3 make g++)` : null;
}

/** The one line for a child that ended badly, or null when it exited 0. */
export function exitLine(what, code, signal) {
  if (code === 0) return null;
  return signal ? `queuectl: ${what} was ended by ${signal}` : `queuectl: ${what} failed (exit code ${code ?? 'unknown'})`;
}
