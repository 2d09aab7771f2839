import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { ownedByUs } from './private-file.js';

/**
 * Where the CLI keeps V8's code cache: the user's cache directory, not the data directory. The cache belongs to
 * the installed bundle and Node, not to a queue: one cache serves every QUEUECTL_HOME (tests and scripts use
 * many), and a data directory holds only what the daemon owns.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'queuectl', 'Cache');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'queuectl');
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'queuectl');
}

/** True if `dir` is a directory (not a link) of ours that no one else can enter. */
export function isPrivateDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && ownedByUs(st.uid) && (process.platform === 'win32' || (st.mode & 0o077) === 0);
  } catch {
    return false;
  }
}

/** Makes `dir` (0700) if it is missing, narrows it to 0700 if it is ours, and says whether it is private now. */
export function ensurePrivateDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (st.isDirectory() && ownedByUs(st.uid) && process.platform !== 'win32' && (st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  } catch {
    return false;
  }
  return isPrivateDir(dir);
}
