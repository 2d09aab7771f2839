import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppLayout } from './layout.js';

/**
 * Which better-sqlite3 addon the engine should load. Under plain Node (the headless daemon, the tests) it is
 * the package's own build in node_modules. Under Electron it must be the build `npm run rebuild:electron`
 * made for Electron's ABI (NODE_MODULE_VERSION differs between Node and Electron), and that build must match
 * the Electron that is running: a stale one would fail with a cryptic dlopen error instead of this message.
 */

/** What scripts/rebuild-electron.mjs writes next to the binary. */
export interface NativeStamp {
  electron: string;
  /** NODE_MODULE_VERSION the addon was built for (process.versions.modules under that Electron). */
  abi: string;
  platform: string;
  arch: string;
  /** better-sqlite3's version: its JavaScript and its addon must come from the same release. */
  betterSqlite3: string;
}

export interface NativeRuntime {
  /** process.versions.electron; undefined under plain Node. */
  electron: string | undefined;
  /** process.versions.modules */
  abi: string;
  platform: string;
  arch: string;
  /** Version of the better-sqlite3 package in node_modules. */
  betterSqlite3: string;
}

export type NativeChoice =
  /** Plain Node: let better-sqlite3 find its own build. */
  | { kind: 'default' }
  /** Electron with a matching build: pass `path` as better-sqlite3's `nativeBinding`. */
  | { kind: 'electron'; path: string }
  /** Electron without a usable build: `message` says what to run. */
  | { kind: 'missing'; message: string };

const REBUILD_HINT = 'run `npm run rebuild:electron` once (it needs network access), then start the app again';

/**
 * `stamp` is the parsed build.json or null when there is none; `binaryExists` whether the .node file is there.
 */
export function chooseNativeBinding(runtime: NativeRuntime, path: string, binaryExists: boolean, stamp: unknown): NativeChoice {
  if (runtime.electron === undefined) return { kind: 'default' };
  if (!binaryExists) {
    return { kind: 'missing', message: `better-sqlite3 has no build for Electron's ABI at ${path}: ${REBUILD_HINT}` };
  }
  if (!isStamp(stamp)) {
    return { kind: 'missing', message: `the Electron build of better-sqlite3 at ${path} has no valid build record: ${REBUILD_HINT}` };
  }
  const mismatch: string[] = [];
  if (stamp.abi !== runtime.abi) mismatch.push(`ABI ${stamp.abi} (Electron ${stamp.electron}), this is ABI ${runtime.abi} (Electron ${runtime.electron})`);
  if (stamp.platform !== runtime.platform || stamp.arch !== runtime.arch) {
    mismatch.push(`${stamp.platform}-${stamp.arch}, this is ${runtime.platform}-${runtime.arch}`);
  }
  if (stamp.betterSqlite3 !== runtime.betterSqlite3) {
    mismatch.push(`better-sqlite3 ${stamp.betterSqlite3}, node_modules has ${runtime.betterSqlite3}`);
  }
  if (mismatch.length > 0) {
    return { kind: 'missing', message: `the Electron build of better-sqlite3 is for ${mismatch.join('; ')}: ${REBUILD_HINT}` };
  }
  return { kind: 'electron', path };
}

/** The choice for this process: the runtime it is, and the build and record rebuild:electron left in `layout`. */
export function nativeBindingFor(layout: Pick<AppLayout, 'root' | 'nativeBinding' | 'nativeStamp'>): NativeChoice {
  return chooseNativeBinding(
    {
      electron: process.versions.electron,
      abi: process.versions.modules,
      platform: process.platform,
      arch: process.arch,
      betterSqlite3: packageVersion(join(layout.root, 'node_modules', 'better-sqlite3', 'package.json')),
    },
    layout.nativeBinding,
    existsSync(layout.nativeBinding),
    readJson(layout.nativeStamp),
  );
}

export function isStamp(value: unknown): value is NativeStamp {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['electron', 'abi', 'platform', 'arch', 'betterSqlite3'].every((k) => typeof v[k] === 'string');
}

function packageVersion(path: string): string {
  const json = readJson(path);
  return typeof json === 'object' && json !== null && typeof (json as { version?: unknown }).version === 'string' ? (json as { version: string }).version : 'unknown';
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}
