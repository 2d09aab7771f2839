import { chownSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOOKED_IMPORT } from '../../scripts/vite-route-imports.js';
import { CLI, collect, startCli, TestHome, waitFor, type CliResult } from '../helpers/daemon.js';

/**
 * The built CLI runs its bundle from V8's code cache (cli/launcher/): made on the first call in the user's cache
 * directory (private), used by the next, never trusted once the bundle changed, and never a failure or a message
 * when it cannot be read or written. A fixture bundle behind the real launcher shows the bundle still runs as
 * `require` would run it. QUEUECTL_CODE_CACHE=debug says on stderr whether the cache was missing, rejected or accepted.
 */

const scratch = mkdtempSync(join(tmpdir(), 'qctl-code-cache-'));
let made = 0;
const fresh = (name: string): string => mkdtempSync(join(scratch, `${name}-${made++}-`));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const home = fresh('home');
const LAUNCHER_DIR = join(CLI, '..');

/** The CLI (or another launcher) with the code cache under `cacheRoot` (XDG_CACHE_HOME). */
function run(cacheRoot: string, args: string[], env: NodeJS.ProcessEnv = {}, launcher = CLI): Promise<CliResult> {
  return collect(process.execPath, [launcher, ...args], {
    env: { ...process.env, NO_COLOR: '1', QUEUECTL_HOME: home, XDG_CACHE_HOME: cacheRoot, QUEUECTL_CODE_CACHE: undefined, ...env },
  });
}
const debug = { QUEUECTL_CODE_CACHE: 'debug' };
const off = { QUEUECTL_CODE_CACHE: 'off' };

const cacheDir = (cacheRoot: string): string => join(cacheRoot, 'queuectl');
const cacheFiles = (cacheRoot: string): string[] => readdirSync(cacheDir(cacheRoot)).filter((n) => n.endsWith('.v8'));

/** The launcher and a copy of the CLI bundle (or `bundle`) in a directory of their own. */
function installCopy(bundle?: string): { launcher: string; main: string } {
  const dir = fresh('bin');
  copyFileSync(join(LAUNCHER_DIR, 'queuectl.cjs'), join(dir, 'queuectl.cjs'));
  if (bundle === undefined) copyFileSync(join(LAUNCHER_DIR, 'main.cjs'), join(dir, 'main.cjs'));
  else writeFileSync(join(dir, 'main.cjs'), bundle);
  return { launcher: join(dir, 'queuectl.cjs'), main: join(dir, 'main.cjs') };
}

describe('the CLI from V8 code cache', () => {
  it('the first call makes one private cache file, the next runs from it and leaves it alone; exit codes are unchanged', async () => {
    const root = fresh('cache');
    const plain = await run(root, ['--version'], off);
    expect(plain.code).toBe(0);
    expect(() => readdirSync(cacheDir(root))).toThrow();

    const first = await run(root, ['--version'], debug);
    expect(first).toMatchObject({ code: 0, stdout: plain.stdout });
    expect(first.stderr).toMatch(/^queuectl: code cache missing: /);
    expect(statSync(cacheDir(root)).mode & 0o777).toBe(0o700);
    const [name] = cacheFiles(root);
    expect(cacheFiles(root)).toEqual([name]);
    const file = join(cacheDir(root), name!);
    const made = statSync(file);
    expect(made.mode & 0o777).toBe(0o600);

    const second = await run(root, ['--version'], debug);
    expect(second).toMatchObject({ code: 0, stdout: plain.stdout });
    expect(second.stderr).toMatch(/^queuectl: code cache accepted: /);
    expect(statSync(file)).toMatchObject({ ino: made.ino, mtimeMs: made.mtimeMs });

    const usage = await run(root, ['no-such-command']);
    expect(usage).toEqual({ ...(await run(root, ['no-such-command'], off)), code: 2 });
    const quiet = await run(root, ['--version']);
    expect(quiet).toEqual({ code: 0, stdout: plain.stdout, stderr: '' });
  });

  it('a changed bundle of the same length runs as changed, never from the old cache', async () => {
    const root = fresh('cache');
    const copy = installCopy();
    const version = (await run(root, ['--version'], {}, copy.launcher)).stdout.trim();
    const text = readFileSync(copy.main, 'utf8');
    expect(text.split(version)).toHaveLength(2);
    const changed = version.replace(/\d/g, '9');
    writeFileSync(copy.main, text.replace(version, changed));

    const after = await run(root, ['--version'], debug, copy.launcher);
    expect(after.stdout.trim()).toBe(changed);
    expect(after.stderr).toMatch(/code cache missing/);
    const again = await run(root, ['--version'], debug, copy.launcher);
    expect(again.stdout.trim()).toBe(changed);
    expect(again.stderr).toMatch(/code cache accepted/);
  });

  it('a cache file V8 rejects is made again, and the call works meanwhile', async () => {
    const root = fresh('cache');
    const expected = await run(root, ['--version']);
    const file = join(cacheDir(root), cacheFiles(root)[0]!);
    const full = statSync(file).size;
    truncateSync(file, full - 1000);

    const rejected = await run(root, ['--version'], debug);
    expect(rejected).toMatchObject({ code: 0, stdout: expected.stdout });
    expect(rejected.stderr).toMatch(/code cache rejected/);
    expect(statSync(file).size).toBeGreaterThan(full - 1000);
    expect((await run(root, ['--version'], debug)).stderr).toMatch(/code cache accepted/);
  });

  it('a link at the cache file is replaced, never written through; a linked cache directory is not used', async () => {
    const probe = fresh('cache');
    await run(probe, ['--version']);
    const [name] = cacheFiles(probe);

    const root = fresh('cache');
    mkdirSync(cacheDir(root), { mode: 0o700 });
    const victim = join(fresh('victim'), 'precious');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(cacheDir(root), name!));
    expect(await run(root, ['--version'])).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(join(cacheDir(root), name!)).isFile()).toBe(true);

    const linkedRoot = fresh('cache');
    const elsewhere = fresh('elsewhere');
    symlinkSync(elsewhere, cacheDir(linkedRoot));
    expect(await run(linkedRoot, ['--version'])).toMatchObject({ code: 0, stderr: '' });
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('no cache can be made (the cache path runs through a file): every call works and says nothing', async () => {
    const aFile = join(fresh('file'), 'not-a-directory');
    writeFileSync(aFile, '');
    const expected = await run(aFile, ['--version'], off);
    for (let i = 0; i < 2; i++) expect(await run(aFile, ['--version'])).toEqual(expected);
    expect(readFileSync(aFile, 'utf8')).toBe('');
  });

  it.runIf(process.getuid?.() === 0)('a cache directory of another user is neither read nor written', async () => {
    const root = fresh('cache');
    mkdirSync(cacheDir(root), { mode: 0o700 });
    chownSync(cacheDir(root), 65534, 65534);
    expect(await run(root, ['--version'])).toMatchObject({ code: 0, stderr: '' });
    expect(readdirSync(cacheDir(root))).toEqual([]);
  });

  it("the CLI's own import() works from cached code: a foreground daemon starts and stops", async () => {
    const root = fresh('cache');
    await run(root, ['--version']);
    const t = new TestHome();
    try {
      const daemon = startCli(t, ['worker', 'start', '--headless', '--count', '1'], { XDG_CACHE_HOME: root, ...debug });
      // status answers without a daemon too (from the store directly): wait for the daemon's own answer, or the
      // stop below finds no daemon listening yet and signals it while it still starts.
      const answering = async () => {
        const r = await t.cli(['status', '--json']);
        return r.code === 0 && (JSON.parse(r.stdout) as { daemon_running: boolean }).daemon_running;
      };
      await waitFor(answering, 20_000, 'the foreground daemon to answer');
      await t.ok(['worker', 'stop']);
      const end = await daemon.done;
      expect(end.stderr).toMatch(/code cache accepted/);
      expect(end.code).toBe(0);
    } finally {
      await t.dispose();
    }
  });
});

/** A CommonJS bundle that reports what it sees; behind the launcher it must see what `require` would give it. */
const FIXTURE = `const { pathToFileURL } = require('node:url');
const sibling = require('./sibling.cjs');
const mode = process.argv[2];
if (mode === 'throw') throw new Error('thrown at the top');
if (mode === 'exit') process.exit(7);
if (mode === 'exit-code') process.exitCode = 5;
const self = this;
(async () => {
  const absolute = await ${HOOKED_IMPORT}(pathToFileURL(require('node:path').join(__dirname, 'esm.mjs')).href);
  const relative = await ${HOOKED_IMPORT}('./esm.mjs');
  console.log(JSON.stringify({
    filename: __filename, dirname: __dirname, moduleFilename: module.filename, thisIsExports: self === module.exports,
    cached: require.cache[__filename] === module, sibling, absolute: absolute.value, relative: relative.value,
  }));
})();
`;

describe('a bundle behind the launcher runs as require would run it', () => {
  const copy = installCopy(FIXTURE);
  const dir = join(copy.main, '..');
  writeFileSync(join(dir, 'sibling.cjs'), 'module.exports = "sibling";');
  writeFileSync(join(dir, 'esm.mjs'), 'export const value = "esm";');
  const root = fresh('cache');
  const launch = (mode: string, env: NodeJS.ProcessEnv = {}) => run(root, [mode], env, copy.launcher);

  it('module variables, require, import() of a file URL and of a relative path, from source and from the cache', async () => {
    const first = await launch('report', debug);
    expect(first.stderr).toMatch(/code cache missing/);
    expect(JSON.parse(first.stdout)).toEqual({
      filename: copy.main,
      dirname: dir,
      moduleFilename: copy.main,
      thisIsExports: true,
      cached: true,
      sibling: 'sibling',
      absolute: 'esm',
      relative: 'esm',
    });
    const cached = await launch('report', debug);
    expect(cached.stderr).toMatch(/code cache accepted/);
    expect(cached.stdout).toBe(first.stdout);
    expect((await launch('report', off)).stdout).toBe(first.stdout);
  });

  it('exit codes and a thrown error (its stack at the line in the bundle) as with plain require', async () => {
    await launch('report');
    for (const [mode, code] of [['exit', 7], ['exit-code', 5], ['throw', 1]] as const) {
      const cached = await launch(mode, debug);
      expect(cached.stderr).toMatch(/code cache accepted/);
      const plain = await launch(mode, off);
      expect([cached.code, plain.code]).toEqual([code, code]);
      expect(cached.stdout).toBe(plain.stdout);
      if (mode === 'throw') {
        const where = `${copy.main}:4:`;
        const firstFrame = (s: string) => s.split('\n').find((l) => l.trim().startsWith('at '));
        expect(firstFrame(cached.stderr)).toContain(where);
        expect(firstFrame(cached.stderr)).toBe(firstFrame(plain.stderr));
        expect(cached.stderr).toContain(`${copy.main}:4\nif (mode === 'throw') throw new Error('thrown at the top');`);
      }
    }
  });
});
