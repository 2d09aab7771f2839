// npm run rebuild:electron: builds better-sqlite3's native addon for the installed Electron's ABI into
// out/native/electron/better_sqlite3.node (+ build.json saying for what), beside the Node build in
// node_modules, which it never touches: `npm test` keeps loading the Node build, the desktop app loads this
// one (electron/main/native-binding.ts). First a prebuilt binary (prebuild-install, from GitHub), else a
// compile against Electron's headers (node-gyp, headers from electronjs.org). Both need network access;
// without it this prints one line saying so and exits 1. better-sqlite3 12.11.1 publishes no prebuilt binary
// for Electron 45 (ABI 150) on any platform (its release workflow builds Electron 29–42 only), so on a
// machine with network the compile is what happens; when its toolchain is missing, one line names it.
//   --if-needed   do nothing when the existing build matches the installed Electron and better-sqlite3
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingToolchain, nodeGypCandidates } from './lib/desktop-setup.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
/** electron/main/layout.ts and cli/desktop-launch.ts name the same place. */
const OUT_DIR = join(root, 'out', 'native', 'electron');
const BINARY = 'better_sqlite3.node';
const STAMP = 'build.json';

function fail(message) {
  process.stderr.write(`rebuild:electron: ${message}\n`);
  process.exit(1);
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const NETWORK = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ENETUNREACH|ETIMEDOUT|ECONNRESET|network connectivity/;

/** What went wrong in a tool's output, in a few words: the network error if any, else its last complaint. */
function reason(result) {
  if (result.error) return result.error.code === 'ETIMEDOUT' ? 'timed out' : result.error.message;
  const lines = `${result.stdout ?? ''}\n${result.stderr ?? ''}`
    .split('\n')
    .map((l) => l.trim().replace(/^(prebuild-install|gyp)\s+(warn|info|http|ERR!)\s*(install|stack|configure)?\s*/i, ''))
    .filter(Boolean);
  let line = lines.find((l) => NETWORK.test(l) && !/network connectivity/.test(l));
  if (!line && lines.some((l) => /network connectivity/.test(l))) {
    const url = lines.find((l) => /^GET https?:/.test(l))?.slice(4);
    line = `could not download ${url ?? "Electron's headers"}`;
  }
  line ??= lines.filter((l) => /error|fail|not found|404/i.test(l) && !/^not ok$/.test(l)).at(-1) ?? lines.at(-1) ?? `exit code ${result.status}`;
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

/** Whether node-gyp has Electron's headers for `version` cached already (then it can compile offline). */
function headersCached(version) {
  const home = process.env.HOME ?? process.env.USERPROFILE ?? '';
  const cache =
    process.platform === 'darwin'
      ? join(home, 'Library', 'Caches', 'node-gyp')
      : process.platform === 'win32'
        ? join(process.env.LOCALAPPDATA ?? home, 'node-gyp', 'Cache')
        : join(process.env.XDG_CACHE_HOME || join(home, '.cache'), 'node-gyp');
  return existsSync(join(process.env.npm_config_devdir ?? cache, version, 'include', 'node', 'node_version.h'));
}

function main() {
  const ifNeeded = process.argv.includes('--if-needed');
  const electronPkg = readJson(join(root, 'node_modules', 'electron', 'package.json'));
  const sqlitePkg = readJson(join(root, 'node_modules', 'better-sqlite3', 'package.json'));
  if (!electronPkg?.version) fail('the electron package is not installed (run npm ci first)');
  if (!sqlitePkg?.version) fail('the better-sqlite3 package is not installed (run npm ci first)');
  let abi = '';
  try {
    abi = readFileSync(join(root, 'node_modules', 'electron', 'abi_version'), 'utf8').trim();
  } catch {
    fail(`cannot tell Electron ${electronPkg.version}'s ABI (node_modules/electron/abi_version is missing)`);
  }
  const target = {
    electron: electronPkg.version,
    abi,
    platform: process.platform,
    arch: process.arch,
    betterSqlite3: sqlitePkg.version,
  };
  const current = readJson(join(OUT_DIR, STAMP));
  if (ifNeeded && existsSync(join(OUT_DIR, BINARY)) && current && Object.entries(target).every(([k, v]) => current[k] === v)) return;

  const stage = mkdtempSync(join(tmpdir(), 'queuectl-native-'));
  try {
    const source = join(root, 'node_modules', 'better-sqlite3');
    for (const part of ['package.json', 'binding.gyp', 'src', 'deps']) {
      if (existsSync(join(source, part))) cpSync(join(source, part), join(stage, part), { recursive: true });
    }
    const built = join(stage, 'build', 'Release', BINARY);
    const quiet = { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] };

    const prebuilt = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'prebuild-install', 'bin.js'), '--runtime', 'electron', '--target', target.electron, '--arch', target.arch, '--platform', target.platform],
      { ...quiet, timeout: 120_000 },
    );
    let how = 'prebuild-install';
    let compileWhy = null;
    if (prebuilt.status !== 0 || !existsSync(built)) {
      const prebuiltWhy = reason(prebuilt);
      if (NETWORK.test(prebuiltWhy) && !headersCached(target.electron)) {
        fail(
          `could not build better-sqlite3 for Electron ${target.electron} (ABI ${abi}): no network (${prebuiltWhy}); it downloads a prebuilt binary from github.com or Electron's headers from electronjs.org, so run it again with network access`,
        );
      }
      const noPrebuilt = `no prebuilt better-sqlite3 ${target.betterSqlite3} for Electron ${target.electron} (ABI ${abi}, ${target.platform}-${target.arch}): ${prebuiltWhy}`;
      const gyp = nodeGyp();
      if (!gyp) fail(`${noPrebuilt}; and node-gyp was not found to compile one (it comes with npm; run this through npm run rebuild:electron)`);
      const toolchain = missingToolchain(process.platform, hasTool, gccMajor());
      if (toolchain) fail(`${noPrebuilt}; ${toolchain}`);
      process.stderr.write(`rebuild:electron: no prebuilt binary (${prebuiltWhy}); compiling against Electron ${target.electron}'s headers…\n`);
      const compiled = spawnSync(
        process.execPath,
        [gyp, 'rebuild', '--release', `--target=${target.electron}`, `--arch=${target.arch}`, '--dist-url=https://electronjs.org/headers'],
        { ...quiet, timeout: 900_000 },
      );
      how = 'node-gyp';
      if (compiled.status !== 0 || !existsSync(built)) compileWhy = reason(compiled);
      if (compileWhy) {
        fail(
          `could not build better-sqlite3 for Electron ${target.electron} (ABI ${abi}): no prebuilt binary (${prebuiltWhy}) and the compile failed (${compileWhy})${NETWORK.test(compileWhy) ? '; it needs network access to electronjs.org for the headers' : ''}`,
        );
      }
    }
    mkdirSync(OUT_DIR, { recursive: true });
    copyFileSync(built, join(OUT_DIR, BINARY));
    writeFileSync(join(OUT_DIR, STAMP), JSON.stringify({ ...target, builtWith: how, builtAt: new Date().toISOString() }, null, 2) + '\n');
    process.stderr.write(`rebuild:electron: better-sqlite3 ${target.betterSqlite3} for Electron ${target.electron} (ABI ${abi}) is in ${join('out', 'native', 'electron', BINARY)} (${how})\n`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** node-gyp, wherever npm keeps it on this OS (desktop-setup.mjs nodeGypCandidates). */
function nodeGyp() {
  return nodeGypCandidates(process.platform, process.execPath, process.env, root).find((c) => existsSync(c)) ?? null;
}

/** Whether a compiler-toolchain piece answers (desktop-setup.mjs missingToolchain says which matter where). */
function hasTool(tool) {
  const runs = (file, args) => spawnSync(file, args, { stdio: 'ignore', timeout: 15_000, windowsHide: true }).status === 0;
  switch (tool) {
    case 'python':
      return runs('py', ['-3', '--version']) || runs('python', ['--version']);
    case 'python3':
      return runs('python3', ['--version']);
    case 'make':
      return runs('make', ['--version']);
    case 'g++':
      return runs('g++', ['--version']);
    case 'clang++':
      return process.platform === 'linux' && runs('clang++', ['--version']);
    case 'xcode':
      return runs('xcode-select', ['-p']);
    case 'msvc': {
      const vswhere = join(process.env['ProgramFiles(x86)'] ?? 'C:\\Program Files (x86)', 'Microsoft Visual Studio', 'Installer', 'vswhere.exe');
      if (!existsSync(vswhere)) return false;
      const found = spawnSync(vswhere, ['-latest', '-products', '*', '-requires', 'Microsoft.VisualStudio.Component.VC.Tools.x86.x64', '-property', 'installationPath'], {
        encoding: 'utf8',
        timeout: 15_000,
        windowsHide: true,
      });
      return found.status === 0 && found.stdout.trim() !== '';
    }
    default:
      return false;
  }
}

function gccMajor() {
  const r = spawnSync('g++', ['-dumpversion'], { encoding: 'utf8', timeout: 15_000 });
  const major = r.status === 0 ? Number.parseInt(r.stdout, 10) : Number.NaN;
  return Number.isFinite(major) ? major : null;
}

try {
  main();
} catch (err) {
  fail(`unexpected failure: ${err instanceof Error ? err.message : String(err)}`);
}
