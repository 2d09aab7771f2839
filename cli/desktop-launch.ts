import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `queuectl worker start` either launches the desktop tray app or runs the headless daemon. This file makes
 * that choice from plain facts (platform, environment, flags, what is installed and built), so it is tested
 * without Electron; cli/commands/worker.ts gathers the facts and carries the choice out.
 *
 * The desktop app is chosen only when all hold:
 * - neither --headless nor --detach was given. --detach keeps its meaning from before the desktop app: the
 *   headless daemon in the background, printing `{pid, home}`. Scripts, the test suites and the benchmarks
 *   rely on it, and none of them should open windows on a developer's desktop.
 * - this is not an SSH session (SSH_CONNECTION or SSH_TTY set): with X forwarding there may be a DISPLAY, but
 *   the tray would appear on the user's own machine, if anywhere, and die with the connection.
 * - this is not CI (CI set to anything but "" / "0" / "false"): nobody is there to see a tray.
 * - there is a display: DISPLAY or WAYLAND_DISPLAY on Linux and the BSDs; always on macOS and Windows.
 * - the Electron binary is installed (node_modules/electron/path.txt names it and the file exists; Electron
 *   itself is never required, since under plain Node that tries to download it).
 * - the desktop app is built (out/main/index.js) and better-sqlite3 has its Electron build, made by
 *   `npm run rebuild:electron` for the installed Electron.
 * - on Linux, Chromium can sandbox itself (linux-sandbox.ts): user namespaces, or a set-up chrome-sandbox;
 *   otherwise the reason names the one command that fixes it.
 * Otherwise the daemon runs, and the reason is printed unless the user asked for it. And if the desktop app,
 * once chosen, exits or does not answer hello within its start timeout, `worker start` stops what is left of
 * it and runs the headless daemon after all, with one line saying why (desktopFallbackNote).
 */

/** Where rebuild:electron puts the Electron build of better-sqlite3 (electron/main/layout.ts names the same). */
export const NATIVE_BUILD_DIR = 'out/native/electron';
export const NATIVE_BINARY = 'better_sqlite3.node';
export const NATIVE_STAMP = 'build.json';

export interface LaunchFacts {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  headless: boolean;
  detach: boolean;
  electron: ElectronProbe;
  /** out/main/index.js exists. */
  appBuilt: boolean;
  /** The Electron build of better-sqlite3 exists and matches the installed Electron; else why not. */
  native: { ok: true } | { ok: false; why: string };
  /** Linux: Chromium's sandbox can start (linux-sandbox.ts checkSandbox); always ok elsewhere. */
  sandbox?: { ok: true } | { ok: false; why: string };
}

export type ElectronProbe = { found: true; path: string } | { found: false; why: string };

export type LaunchDecision =
  | { mode: 'desktop'; electron: string }
  /** `reason` says why not the desktop app; null when the flags asked for the daemon. */
  | { mode: 'headless'; reason: string | null };

export function decideLaunch(facts: LaunchFacts): LaunchDecision {
  if (facts.headless || facts.detach) return { mode: 'headless', reason: null };
  const remote = remoteSession(facts.env);
  if (remote) return { mode: 'headless', reason: remote };
  if (!hasDisplay(facts.platform, facts.env)) return { mode: 'headless', reason: 'no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  if (!facts.electron.found) return { mode: 'headless', reason: facts.electron.why };
  if (!facts.appBuilt) return { mode: 'headless', reason: 'the desktop app is not built (run: npm run build)' };
  if (!facts.native.ok) return { mode: 'headless', reason: facts.native.why };
  if (facts.sandbox && !facts.sandbox.ok) return { mode: 'headless', reason: facts.sandbox.why };
  return { mode: 'desktop', electron: facts.electron.path };
}

/** Why this looks like a session nobody sits at with a desktop (SSH, CI), or null. */
export function remoteSession(env: NodeJS.ProcessEnv): string | null {
  if (env.SSH_CONNECTION || env.SSH_TTY) return 'an SSH session (SSH_CONNECTION or SSH_TTY is set)';
  const ci = env.CI?.trim().toLowerCase();
  if (ci && ci !== '0' && ci !== 'false') return 'running under CI (CI is set)';
  return null;
}

export function hasDisplay(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** File access, injected so tests describe an installation without making one. */
export interface FileProbe {
  exists(path: string): boolean;
  /** The file's text, or null if it cannot be read. */
  read(path: string): string | null;
}

/** The real file system, for `worker start` and the Electron end-to-end tests. */
export const DISK_FILES: FileProbe = {
  exists: (path) => existsSync(path),
  read: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  },
};

/**
 * The Electron executable, found the way node_modules/electron/index.js finds it (path.txt, then dist/ or
 * ELECTRON_OVERRIDE_DIST_PATH) but without its download-on-first-use.
 */
export function probeElectron(root: string, env: NodeJS.ProcessEnv, files: FileProbe): ElectronProbe {
  const pkg = join(root, 'node_modules', 'electron');
  const name = files.read(join(pkg, 'path.txt'))?.trim();
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const path = join(override, name || 'electron');
    return files.exists(path) ? { found: true, path } : { found: false, why: `the Electron binary is not at ELECTRON_OVERRIDE_DIST_PATH (${path})` };
  }
  if (!name) return { found: false, why: 'the Electron binary is not installed (npm start downloads it when there is network access)' };
  const path = join(pkg, 'dist', name);
  return files.exists(path) ? { found: true, path } : { found: false, why: `the Electron binary is not installed (no ${path})` };
}

/** Whether rebuild:electron's output is there and was made for the installed Electron and better-sqlite3. */
export function probeNativeBuild(root: string, files: FileProbe): { ok: true } | { ok: false; why: string } {
  const dir = join(root, NATIVE_BUILD_DIR);
  const missing = { ok: false as const, why: 'better-sqlite3 has no build for Electron yet (run: npm run rebuild:electron)' };
  if (!files.exists(join(dir, NATIVE_BINARY))) return missing;
  const stamp = parse(files.read(join(dir, NATIVE_STAMP)));
  const electron = parse(files.read(join(root, 'node_modules', 'electron', 'package.json')))?.version;
  const sqlite = parse(files.read(join(root, 'node_modules', 'better-sqlite3', 'package.json')))?.version;
  if (!stamp) return missing;
  if (stamp.electron !== electron || stamp.betterSqlite3 !== sqlite) {
    return {
      ok: false,
      why: `the Electron build of better-sqlite3 is for Electron ${String(stamp.electron)} and better-sqlite3 ${String(stamp.betterSqlite3)}, not the installed ${String(electron)} and ${String(sqlite)} (run: npm run rebuild:electron)`,
    };
  }
  return { ok: true };
}

function parse(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The environment the desktop app starts with: this one, minus what would make Electron act as plain Node. */
export function desktopEnv(env: NodeJS.ProcessEnv, home: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, QUEUECTL_HOME: home, QUEUECTL_LAUNCHED_BY: 'cli' };
  delete out.ELECTRON_RUN_AS_NODE;
  return out;
}

/** How a desktop app start went wrong: it exited (with its code), or it did not answer hello in time. */
export type DesktopStartFailure = { kind: 'exited'; code: number | null; signal: string | null } | { kind: 'timeout'; waitedMs: number };

/**
 * The one line `worker start` prints before falling back to the headless daemon: why the desktop app did not
 * start, the last thing it logged (if anything), and where its log is.
 */
export function desktopFallbackNote(failure: DesktopStartFailure, lastLogLine: string | null, logPath: string): string {
  const why =
    failure.kind === 'timeout'
      ? `it did not answer within ${Math.round(failure.waitedMs / 1000)} s`
      : `it exited${failure.signal ? ` on ${failure.signal}` : ` with code ${failure.code ?? 'unknown'}`}`;
  const last = lastLogLine?.replace(/\s+/g, ' ').trim();
  const said = last ? `; it said: ${last.length > 160 ? `${last.slice(0, 159)}…` : last}` : '';
  return `queuectl: the desktop app did not start (${why}${said}); its log is ${logPath}; running the headless daemon instead`;
}

/** The last non-empty line of what the app wrote to its log (the text appended since it was started). */
export function lastLine(text: string): string | null {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.length ? lines[lines.length - 1]! : null;
}
