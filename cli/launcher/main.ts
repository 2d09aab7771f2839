import { createRequire, Module } from 'node:module';
import { join } from 'node:path';
import { codeCacheDir, ensurePrivateDir } from './cache-dir.js';
import { runWithCodeCache } from './code-cache.js';

/**
 * `queuectl` as installed (out/cli/queuectl.cjs, emitted as CommonJS): runs the CLI bundle beside it
 * (out/cli/main.cjs) from V8's code cache, so a call does not compile the whole bundle again. The bundle goes
 * through `code-cache.ts` on every Node: its cache is made after the call ran, so it holds every function the
 * call used, where Node 22's `module.enableCompileCache` keeps only what compiled up front (`--version` on Node 22.23,
 * counted by valgrind: 128 M instructions against 150 M; `node` alone 84 M). Where Node has it, enableCompileCache still serves what the bundle
 * imports (the engine, when no daemon runs). QUEUECTL_CODE_CACHE=off loads the bundle plainly.
 */
const bundle = join(__dirname, 'main.cjs');

if (process.env.QUEUECTL_CODE_CACHE === 'off') {
  createRequire(__filename)(bundle);
} else {
  const dir = userCacheDir();
  if (dir !== undefined) enableNodeCompileCache(dir);
  runWithCodeCache(bundle, dir);
}

function userCacheDir(): string | undefined {
  try {
    return codeCacheDir();
  } catch {
    return undefined;
  }
}

/** Node ≥ 22.1 only; its files go to `node/` in our private directory. */
function enableNodeCompileCache(dir: string): void {
  const enable = (Module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  if (enable !== undefined && ensurePrivateDir(dir)) enable(join(dir, 'node'));
}
