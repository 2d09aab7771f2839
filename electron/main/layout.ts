import { join, resolve } from 'node:path';

/**
 * Where the desktop app finds its parts, from the directory of its own bundle (out/main/). Everything is
 * built into out/ by `npm run build`: the worker bundle is the one the headless daemon forks (out/node/,
 * built by vite.node.config.ts), so both hosts run the very same worker code.
 */
export interface AppLayout {
  /** The project (or unpacked app) root: the directory holding package.json. */
  root: string;
  /** The sandboxed preload (CommonJS, as sandboxed preloads must be). */
  preload: string;
  /** The built dashboard, served to the window over app://queuectl/. */
  rendererDir: string;
  /** The worker entry, forked once per worker as an Electron utility process. */
  workerEntry: string;
  /** Tray and window icons (resources/, made by scripts/make-icons.mjs). */
  resourcesDir: string;
  /** better-sqlite3 built for Electron's ABI by `npm run rebuild:electron`. */
  nativeBinding: string;
  /** What rebuild:electron recorded about that build (Electron version, ABI, platform, arch). */
  nativeStamp: string;
}

/**
 * Where `npm run rebuild:electron` puts the Electron build of better-sqlite3, relative to the root. The
 * Node build stays in node_modules, so `npm test` and the app never fight over one binary. The CLI
 * (cli/desktop-launch.ts) and scripts/rebuild-electron.mjs name the same place; tests/desktop checks
 * that all three agree.
 */
export const NATIVE_BUILD_DIR = 'out/native/electron';
export const NATIVE_BINARY = 'better_sqlite3.node';
export const NATIVE_STAMP = 'build.json';

export function appLayout(mainDir: string): AppLayout {
  const root = resolve(mainDir, '..', '..');
  return {
    root,
    preload: join(root, 'out', 'preload', 'index.cjs'),
    rendererDir: join(root, 'out', 'renderer'),
    workerEntry: join(root, 'out', 'node', 'worker.js'),
    resourcesDir: join(root, 'resources'),
    nativeBinding: join(root, NATIVE_BUILD_DIR, NATIVE_BINARY),
    nativeStamp: join(root, NATIVE_BUILD_DIR, NATIVE_STAMP),
  };
}
