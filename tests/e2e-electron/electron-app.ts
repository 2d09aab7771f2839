import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { DISK_FILES, desktopEnv, hasDisplay, probeNativeBuild } from '../../cli/desktop-launch.js';
import { checkSandbox, sandboxFacts, systemSandboxProbe } from '../../cli/linux-sandbox.js';
import type { TestHome } from '../helpers/daemon.js';

/**
 * The Electron binary the tests launch, found as node_modules/electron/index.js would (path.txt, then
 * dist/ or ELECTRON_OVERRIDE_DIST_PATH), or null. Never `require('electron')`: under plain Node that tries
 * to download the binary and kills the process when it cannot.
 */
export function electronBinary(root = resolve('.')): string | null {
  const pkg = join(root, 'node_modules', 'electron');
  let name: string;
  try {
    name = readFileSync(join(pkg, 'path.txt'), 'utf8').trim();
  } catch {
    return null;
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const path = override ? join(override, name || 'electron') : join(pkg, 'dist', name);
  return name && existsSync(path) ? path : null;
}

/** The built app's main bundle (npm run build). */
export const MAIN = resolve('out/main/index.js');

/**
 * Why the app cannot run here, as the one line the suite prints (`skipped: …`), or null when it can: no
 * Electron binary, no display, the app not built, no Electron build of better-sqlite3. Checked before any
 * launch, so a missing piece is a clear skip instead of a 60 s launch timeout.
 */
export function skipReason(root = resolve('.')): string | null {
  if (!electronBinary(root)) return 'skipped: Electron binary not installed';
  if (!hasDisplay(process.platform, process.env)) return 'skipped: no display (on Linux run: xvfb-run -a npx vitest run tests/e2e-electron)';
  if (!existsSync(MAIN)) return 'skipped: the desktop app is not built (npm run build)';
  const native = probeNativeBuild(root, DISK_FILES);
  if (!native.ok) return `skipped: no Electron build of better-sqlite3 (${native.why})`;
  // As root the tests pass --no-sandbox (a container); as a user, a sandbox Chromium cannot start is a skip.
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sandbox = isRoot ? { ok: true as const } : checkSandbox(process.platform, sandboxFacts(electronBinary(root)!, systemSandboxProbe()));
  if (!sandbox.ok) return `skipped: Chromium's sandbox cannot start here (${sandbox.why})`;
  return null;
}

export interface RunningApp {
  app: ElectronApplication;
  window: Page;
  /** Everything the main process wrote to stderr (its log). */
  log(): string;
}

/**
 * Launches the built app on `home` (a temporary QUEUECTL_HOME) and waits for the dashboard. The test
 * hooks (a read-only view of the tray through app.evaluate) are on with QUEUECTL_E2E=1.
 */
export async function launchApp(binary: string, home: TestHome, extraArgs: string[] = []): Promise<RunningApp> {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    throw new Error('the Electron tests need a display on Linux: run them under xvfb-run (xvfb-run -a npx vitest run tests/e2e-electron)');
  }
  // Chromium refuses its sandbox as root (containers): then only the OS-level sandbox is off; the
  // renderer's `sandbox: true` (no Node, no require in the preload) still holds.
  const chromiumArgs = typeof process.getuid === 'function' && process.getuid() === 0 ? ['--no-sandbox'] : [];
  const app = await _electron.launch({
    executablePath: binary,
    args: [...chromiumArgs, MAIN, ...extraArgs],
    // The environment `queuectl worker start` gives the app (cli/desktop-launch.ts desktopEnv), plus the hook.
    env: { ...(desktopEnv(home.env(), home.home) as Record<string, string>), QUEUECTL_E2E: '1' },
    timeout: 60_000,
  });
  let log = '';
  app.process().stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const window = await app.firstWindow({ timeout: 60_000 });
  await window.getByRole('link', { name: 'Overview' }).waitFor({ timeout: 30_000 });
  return { app, window, log: () => log };
}

/** What electron/main/index.ts exposes on globalThis.__queuectlDesktop under QUEUECTL_E2E=1. */
export interface TrayView {
  state: { counts: Record<string, number>; workers: number; unseenDead: number; stopping: boolean; trayHostProblem: string | null };
  icon: 'idle' | 'busy' | 'attention';
  tooltip: string;
  menu: Array<{ kind: string; label?: string; enabled?: boolean; items?: unknown[] }>;
  created: boolean;
  /** Closing the window hides it to the tray (a tray host was found). */
  holdsWindow: boolean;
}

/** A notification the app showed (electron/main/notifications.ts NotificationSpec). */
export interface ShownNotification {
  kind: string;
  title: string;
  body: string;
  route: string;
}

export function notificationsShown(app: ElectronApplication): Promise<ShownNotification[]> {
  return app.evaluate(() => (globalThis as unknown as { __queuectlDesktop: { notifications(): ShownNotification[] } }).__queuectlDesktop.notifications());
}

/** Clicks a shown notification, as the OS reports it (the same handler Electron's 'click' runs). */
export function clickNotification(app: ElectronApplication, route: string): Promise<void> {
  return app.evaluate(
    (_electron, r) => (globalThis as unknown as { __queuectlDesktop: { clickNotification(route: string): void } }).__queuectlDesktop.clickNotification(r),
    route,
  );
}

/** The names of the app's utility processes (utilityProcess.fork's serviceName shows as ProcessMetric.name). */
export function utilityNames(app: ElectronApplication): Promise<string[]> {
  return app.evaluate(({ app: a }) => a.getAppMetrics().flatMap((m) => (m.type === 'Utility' && m.name ? [m.name] : [])));
}

export function trayView(app: ElectronApplication): Promise<TrayView> {
  return app.evaluate(() => (globalThis as unknown as { __queuectlDesktop: { tray(): TrayView } }).__queuectlDesktop.tray());
}

/** Runs a tray menu action (electron/main/tray-model.ts TrayAction) as a click on its item would. */
export function trayAction(app: ElectronApplication, action: { type: string; [key: string]: unknown }): Promise<void> {
  return app.evaluate(
    (_electron, a) => (globalThis as unknown as { __queuectlDesktop: { act(action: unknown): Promise<void> } }).__queuectlDesktop.act(a),
    action,
  );
}
