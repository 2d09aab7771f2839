import { readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { ensurePrivateDir, isPrivateDir } from './cache-dir.js';
import { IMPORT_HOOK_KEY, type ImportHook } from './import-hook.js';
import { readPrivateFile, writePrivateFileAtomically } from './private-file.js';

/**
 * A cache file: these bytes, the bundle's length (u32 LE), the bundle itself, then V8's cached data. V8 checks
 * only the source's length, so the bundle is kept whole and compared: a changed bundle never runs stale code.
 */
const MAGIC = Buffer.from('queuectl-v8-cache-1\n');
const HEADER_BYTES = MAGIC.length + 4;

/** The CommonJS wrapper Node puts around a module, on a line of its own so the bundle's lines keep their numbers. */
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {\n';
type CommonJsWrapper = (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;

/**
 * Runs the CommonJS file `bundle` as `require` would, compiled from V8's cached data kept in `cacheDir` when it is
 * there and still fits. A missing or rejected cache is made at exit, from everything the call compiled. Reading or
 * writing the cache never fails the call and never prints. The bundle's `import()` calls come back here (import-hook.ts);
 * the launcher sits beside the bundle, so a relative specifier names the same file.
 */
export function runWithCodeCache(bundle: string, cacheDir: string | undefined): void {
  const source = readFileSync(bundle);
  const cacheFile = cacheDir === undefined ? undefined : join(cacheDir, cacheFileName(bundle));
  const cachedData = cacheFile !== undefined && isPrivateDir(cacheDir!) ? cachedDataFor(source, readPrivateFile(cacheFile)) : undefined;
  const script = new Script(WRAPPER_HEAD + source.toString('utf8') + '\n})', {
    filename: bundle,
    lineOffset: -1,
    cachedData,
  });
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
    process.once('exit', () => saveQuietly(cacheDir!, cacheFile, source, script));
  }
  if (process.env.QUEUECTL_CODE_CACHE === 'debug') {
    process.stderr.write(`queuectl: code cache ${cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'accepted'}: ${cacheFile}\n`);
  }
  const hook: ImportHook = (specifier, options) => import(specifier, options);
  (globalThis as Record<symbol, unknown>)[Symbol.for(IMPORT_HOOK_KEY)] = hook;
  runAsCommonJs(script, bundle);
}

/** One file per bundle path, Node and V8 flags, so two installs or two Nodes do not overwrite each other's. */
function cacheFileName(bundle: string): string {
  const key = [bundle, process.version, process.arch, process.execArgv.join(' '), process.env.NODE_OPTIONS ?? ''].join('\0');
  return `cli-${fnv1a32(key)}.v8`;
}

/**
 * 32-bit FNV-1a as 8 hex digits: enough to keep a handful of cache files apart (the bundle is compared whole).
 * Not protocol's fnv1a64: the launcher shares no module with the bundle, so the build makes no shared chunk.
 */
function fnv1a32(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** V8's data from a cache file, if the file is one and was made from exactly `source`. */
function cachedDataFor(source: Buffer, entry: Buffer | undefined): Buffer | undefined {
  if (entry === undefined || entry.length < HEADER_BYTES || !entry.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const length = entry.readUInt32LE(MAGIC.length);
  const kept = entry.subarray(HEADER_BYTES, HEADER_BYTES + length);
  return length === source.length && kept.equals(source) ? entry.subarray(HEADER_BYTES + length) : undefined;
}

function saveQuietly(cacheDir: string, cacheFile: string, source: Buffer, script: Script): void {
  try {
    if (!ensurePrivateDir(cacheDir)) return;
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header);
    header.writeUInt32LE(source.length, MAGIC.length);
    writePrivateFileAtomically(cacheFile, [header, source, script.createCachedData()]);
  } catch {
    /* read-only home, full disk, a link in the way: the next call compiles from source again */
  }
}

/** What `require(bundle)` does after compiling: a Module in require.cache, its own require, exports as `this`. */
function runAsCommonJs(script: Script, bundle: string): void {
  const localRequire = createRequire(bundle);
  const module = new Module(bundle);
  module.filename = bundle;
  module.paths = localRequire.resolve.paths('queuectl') ?? [];
  localRequire.cache[bundle] = module;
  const wrapper = script.runInThisContext() as CommonJsWrapper;
  wrapper.call(module.exports, module.exports, localRequire, module, bundle, dirname(bundle));
  module.loaded = true;
}
