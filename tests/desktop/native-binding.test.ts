import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as cliLaunch from '../../cli/desktop-launch.js';
import * as layout from '../../electron/main/layout.js';
import { chooseNativeBinding, type NativeRuntime } from '../../electron/main/native-binding.js';

const node: NativeRuntime = { electron: undefined, abi: '115', platform: 'linux', arch: 'x64', betterSqlite3: '12.11.1' };
const electron: NativeRuntime = { electron: '45.5.0', abi: '150', platform: 'linux', arch: 'x64', betterSqlite3: '12.11.1' };
const stamp = { electron: '45.5.0', abi: '150', platform: 'linux', arch: 'x64', betterSqlite3: '12.11.1' };
const PATH = '/app/out/native/electron/better_sqlite3.node';

describe('better-sqlite3 for two runtimes', () => {
  it('plain Node (daemon, tests) keeps the package\'s own build', () => {
    expect(chooseNativeBinding(node, PATH, true, stamp)).toEqual({ kind: 'default' });
    expect(chooseNativeBinding(node, PATH, false, null)).toEqual({ kind: 'default' });
  });

  it('Electron uses the rebuild:electron output when it was built for this Electron', () => {
    expect(chooseNativeBinding(electron, PATH, true, stamp)).toEqual({ kind: 'electron', path: PATH });
  });

  it.each<[string, boolean, unknown, RegExp]>([
    ['missing', false, null, /no build for Electron's ABI/],
    ['without a build record', true, null, /no valid build record/],
    ['for another ABI', true, { ...stamp, abi: '140', electron: '40.0.0' }, /ABI 140 \(Electron 40\.0\.0\), this is ABI 150 \(Electron 45\.5\.0\)/],
    ['for another platform', true, { ...stamp, arch: 'arm64' }, /linux-arm64, this is linux-x64/],
    ['for another better-sqlite3', true, { ...stamp, betterSqlite3: '11.0.0' }, /better-sqlite3 11\.0\.0/],
  ])('under Electron, a build %s is refused with what to run', (_what, exists, record, message) => {
    const choice = chooseNativeBinding(electron, PATH, exists, record);
    expect(choice.kind).toBe('missing');
    if (choice.kind === 'missing') {
      expect(choice.message).toMatch(message);
      expect(choice.message).toContain('npm run rebuild:electron');
    }
  });

  it('the app, the CLI and the rebuild script name the same place for the Electron build', () => {
    expect(cliLaunch.NATIVE_BUILD_DIR).toBe(layout.NATIVE_BUILD_DIR);
    expect(cliLaunch.NATIVE_BINARY).toBe(layout.NATIVE_BINARY);
    expect(cliLaunch.NATIVE_STAMP).toBe(layout.NATIVE_STAMP);
    const script = readFileSync('scripts/rebuild-electron.mjs', 'utf8');
    expect(script).toContain(`join(root, ${layout.NATIVE_BUILD_DIR.split('/').map((p) => `'${p}'`).join(', ')})`);
    expect(script).toContain(`const BINARY = '${layout.NATIVE_BINARY}'`);
    expect(script).toContain(`const STAMP = '${layout.NATIVE_STAMP}'`);
    expect(layout.appLayout('/app/out/main')).toMatchObject({
      root: '/app',
      workerEntry: '/app/out/node/worker.js',
      preload: '/app/out/preload/index.cjs',
      rendererDir: '/app/out/renderer',
      nativeBinding: PATH,
    });
  });

  it('without network, npm run rebuild:electron fails with one clear line, exit 1, and leaves node_modules alone', () => {
    const nodeBuild = resolve('node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    const before = readFileSync(nodeBuild);
    const r = spawnSync(process.execPath, ['scripts/rebuild-electron.mjs'], {
      encoding: 'utf8',
      // Offline everywhere, not only here: downloads go to a proxy that refuses, and no Electron headers are cached.
      env: {
        ...process.env,
        npm_config_proxy: 'http://127.0.0.1:9',
        npm_config_https_proxy: 'http://127.0.0.1:9',
        npm_config_devdir: resolve('out/no-such-node-gyp-cache'),
      },
      timeout: 120_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^rebuild:electron: could not build better-sqlite3 for Electron \d+\.\d+\.\d+ \(ABI \d+\): .*network/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(nodeBuild).equals(before)).toBe(true);
  });

  it('the preload speaks the channels main listens on, and exposes only invoke and onEvent, and the store setting', () => {
    const preload = readFileSync('preload/index.ts', 'utf8');
    expect(preload).toContain("ipcRenderer.invoke('queuectl:invoke'");
    expect(preload).toContain("ipcRenderer.on('queuectl:event'");
    expect(preload).toContain("ipcRenderer.invoke('queuectl:store-setting'");
    // Two globals: the daemon's transport, and the app's own settings (electron/main/store-setting.ts).
    const exposed = preload.split('contextBridge.exposeInMainWorld(').slice(1);
    expect(exposed.map((api) => [/^'(\w+)'/.exec(api)?.[1], [...api.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1])])).toEqual([
      ['queuectl', ['invoke', 'onEvent']],
      ['queuectlApp', ['storeSetting', 'setStore']],
    ]);
  });
});
