import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { app, dialog, powerMonitor, session as electronSession } from 'electron';
import type { JobsEvent } from '../../protocol/index.js';
import { resolveHome } from '../../protocol/node/paths.js';
import { AlreadyRunningError, startEngine, type Engine, type EngineOptions } from '../engine/index.js';
import type { Session } from '../engine/rpc/session.js';
import { parseAppArgs } from './app-args.js';
import { registerAppScheme, serveApp } from './glue/app-scheme.js';
import { IpcBridge } from './glue/ipc.js';
import { applyLoginItem } from './glue/login-item.js';
import { Notifier } from './glue/notifier.js';
import { openPreferences } from './glue/preferences-store.js';
import { hardenAllContents, hardenSession } from './glue/security.js';
import { TrayView } from './glue/tray.js';
import { DashboardWindow } from './glue/window.js';
import { utilityProcessWorkers } from './glue/workers.js';
import { digestJobsEvent, SeenChanges } from './job-digest.js';
import { appLayout } from './layout.js';
import { chooseNativeBinding } from './native-binding.js';
import { NotificationBatcher } from './notifications.js';
import { toggles, withToggle } from './preferences.js';
import { QUIT_CHOICES, quitPrompt, stopOptionsFor } from './quit-plan.js';
import {
  initialTrayState,
  trayIcon,
  trayMenu,
  trayTooltip,
  withJobsEvent,
  withSeen,
  withStatus,
  type TrayAction,
  type TrayState,
} from './tray-model.js';

/**
 * The desktop host: the engine in Electron's main process with utility-process workers, a tray icon, desktop
 * notifications and the dashboard window. Same data directory, socket and engine as the headless daemon
 * (electron/daemon.ts), so `queuectl` in any terminal works unchanged. Everything with logic in it lives in
 * Electron-free modules next to this file (tested under Node in tests/desktop); glue/ holds the thin
 * Electron calls. Read docs/desktop.md first.
 */

const layout = appLayout(import.meta.dirname);
const home = resolveHome();
const args = parseAppArgs(process.argv.slice(1));
const launchedByCli = process.env.QUEUECTL_LAUNCHED_BY === 'cli';
const log = (message: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
};

// Every file the engine makes is private, as under the daemon.
process.umask(0o077);
app.setName('queuectl');
// Chromium's profile and the preferences live with the queue's data: one app instance per data directory
// (the single-instance lock is per userData), and a temporary QUEUECTL_HOME leaves nothing elsewhere.
app.setPath('userData', join(home, 'desktop'));
registerAppScheme();
hardenAllContents(log);

if (!app.requestSingleInstanceLock()) {
  // The running instance gets 'second-instance' and shows its window.
  app.quit();
} else {
  app.whenReady().then(main, (err: unknown) => fatal(err instanceof Error ? err.message : String(err)));
}

/** Ends the app before the engine ran: a dialog for a person, the log for the CLI that launched it. */
function fatal(message: string): void {
  log(`queuectl: ${message}`);
  if (!launchedByCli && app.isReady()) dialog.showErrorBox('queuectl could not start', message);
  app.exit(1);
}

async function main(): Promise<void> {
  const prefs = openPreferences(app.getPath('userData'), log);

  const native = chooseNativeBinding(
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
  if (native.kind === 'missing') return fatal(native.message);

  let window: DashboardWindow | null = null;
  const showDashboard = (route: string | null): void => window?.show(route);

  const options: EngineOptions = {
    home,
    workers: args.count ?? undefined,
    rendererDir: layout.rendererDir,
    spawnWorker: utilityProcessWorkers(layout.workerEntry, log),
    log,
    nativeBinding: native.kind === 'electron' ? native.path : undefined,
    host: { showDashboard },
  };
  let engine: Engine;
  try {
    engine = await startEngine(options);
  } catch (err) {
    if (err instanceof AlreadyRunningError) return fatal(`${err.message}; stop it with: queuectl worker stop`);
    const message = err instanceof Error ? err.message : String(err);
    const hint = /NODE_MODULE_VERSION/.test(message) ? ' (better-sqlite3 was built for Node, not Electron: run npm run rebuild:electron; see docs/desktop.md)' : '';
    return fatal(`could not start the queue: ${message}${hint}`);
  }

  hardenSession(electronSession.defaultSession, log);
  serveApp(electronSession.defaultSession, layout.rendererDir);

  // ── tray and notifications ────────────────────────────────────────────────────────────────────────
  let trayState: TrayState = initialTrayState(toggles(prefs.get()), engine.paused());
  const onAction = (action: TrayAction): void => void act(action);
  const tray = TrayView.create(layout.resourcesDir, onAction, log);
  const setTray = (next: TrayState): void => {
    trayState = next;
    tray?.render(trayState);
  };
  const notifier = new Notifier(join(layout.resourcesDir, 'icon.png'), (route) => showDashboard(route));
  const batcher = new NotificationBatcher({
    show: (spec) => notifier.show(spec),
    enabled: (kind) => (kind === 'dead' ? prefs.get().notifications.dead : prefs.get().notifications.completed),
  });
  const seen = new SeenChanges();
  const onJobsEvent = (event: JobsEvent): void => {
    const digest = digestJobsEvent(event, seen, trayState.counts.dead);
    let next = withJobsEvent(trayState, event, digest);
    if (window?.isFocused()) next = withSeen(next);
    setTray(next);
    for (const job of digest.newlyDead) batcher.add('dead', job);
    for (const job of digest.completedToNotify) batcher.add('completed', job);
  };
  /** The tray's own client of the engine: job events in, tray actions out. */
  const traySession: Session = {
    push(event) {
      if (event.type === 'jobs') onJobsEvent(event);
      if (event.type === 'queue') setTray({ ...trayState, paused: event.paused });
    },
  };
  const refreshStatus = async (): Promise<void> => {
    const status = await engine.dispatch(traySession, 'status', {});
    if ('result' in status) setTray(withStatus(trayState, status.result as Parameters<typeof withStatus>[1]));
  };

  /** The tray's Pause/Resume: the same switch as `queuectl pause`; the 'queue' event updates the tray. */
  const onPauseToggle = (): void => engine.setPaused(!engine.paused());

  async function act(action: TrayAction): Promise<void> {
    switch (action.type) {
      case 'open':
        return showDashboard(action.route);
      case 'pause-toggle':
        return onPauseToggle();
      case 'workers': {
        const answer = await engine.dispatch(traySession, 'config.set', { key: 'workers', value: action.count });
        if ('error' in answer) notifier.notice('Could not change the workers', answer.error.message);
        return refreshStatus();
      }
      case 'retry-dead': {
        const answer = await engine.dispatch(traySession, 'dlq.retry', { all: true });
        if ('error' in answer) notifier.notice('Could not retry the dead jobs', answer.error.message);
        return refreshStatus();
      }
      case 'toggle': {
        prefs.set(withToggle(prefs.get(), action.key, action.value));
        if (action.key === 'launchAtLogin') applyLoginItem(action.value, process.env.QUEUECTL_HOME ? home : null, log);
        return setTray({ ...trayState, toggles: toggles(prefs.get()) });
      }
      case 'quit':
        return requestQuit();
      default: {
        const never: never = action;
        throw new Error(`unknown tray action ${JSON.stringify(never)}`);
      }
    }
  }

  // ── the window and its IPC ────────────────────────────────────────────────────────────────────────
  const ipc = new IpcBridge(engine, () => window?.contents ?? null, log);
  ipc.start();
  window = new DashboardWindow({
    preload: layout.preload,
    icon: join(layout.resourcesDir, 'icon.png'),
    bounds: () => prefs.get().windowBounds,
    saveBounds: (bounds) => prefs.set({ ...prefs.get(), windowBounds: bounds }),
    onCloseRequest: () => {
      if (stopped) return 'close';
      if (tray && prefs.get().closeToTray && !stopRequested) {
        if (!prefs.get().closeNoticeShown) {
          notifier.notice('queuectl is still running', 'Jobs keep running in the tray. Quit from the tray menu.');
          prefs.set({ ...prefs.get(), closeNoticeShown: true });
        }
        return 'hide';
      }
      void requestQuit();
      return 'quit';
    },
    onSeen: () => setTray(withSeen(trayState)),
    onContentsCreated: (contents) => ipc.attach(contents),
    log,
  });

  // ── quitting ──────────────────────────────────────────────────────────────────────────────────────
  let stopRequested = false;
  let stopped = false;
  const beginStop = (stopOptions: { timeoutMs?: number }): void => {
    stopRequested = true;
    setTray({ ...trayState, stopping: true });
    void engine.stop(stopOptions);
  };
  const requestQuit = async (): Promise<void> => {
    if (stopRequested) return beginStop({ timeoutMs: 0 });
    const status = await engine.dispatch(traySession, 'status', {});
    const running = 'result' in status ? (status.result as { counts: { processing: number } }).counts.processing : trayState.counts.processing;
    const timeout = await engine.dispatch(traySession, 'config.get', { key: 'stop_timeout_ms' });
    const timeoutMs = 'result' in timeout ? (timeout.result as { entry: { value: number } }).entry.value : 60_000;
    const prompt = quitPrompt(running, timeoutMs);
    if (prompt) {
      const parent = window?.browserWindow;
      const dialogOptions = { type: 'question' as const, noLink: true, ...prompt };
      const { response } = parent ? await dialog.showMessageBox(parent, dialogOptions) : await dialog.showMessageBox(dialogOptions);
      const stopOptions = stopOptionsFor(QUIT_CHOICES[response] ?? 'cancel');
      if (stopOptions === null || stopRequested) return;
      return beginStop(stopOptions);
    }
    beginStop({});
  };
  void engine.stopped.then(() => {
    stopped = true;
    batcher.dispose();
    notifier.closeAll();
    ipc.stop();
    tray?.destroy();
    window?.destroy();
    app.quit();
  });
  // Cmd+Q, the OS ending the session, SIGINT/SIGTERM (Electron turns them into a quit), Playwright's close:
  // all become a graceful stop; a second one while stopping kills and requeues running jobs at once.
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    beginStop(stopRequested ? { timeoutMs: 0 } : {});
  });
  powerMonitor.on('shutdown', (...shutdownArgs: unknown[]) => {
    (shutdownArgs[0] as { preventDefault?: () => void } | undefined)?.preventDefault?.();
    beginStop({ timeoutMs: 0 });
  });
  app.on('window-all-closed', () => {
    // The tray keeps the app; without one, the window's close already began quitting.
  });

  app.on('second-instance', (_event, argv) => showDashboard(parseAppArgs(argv).show || null));

  await engine.dispatch(traySession, 'events.subscribe', { jobs: true });
  await refreshStatus();
  setTray(trayState);
  if (!args.hidden) showDashboard(args.show || null);

  if (process.env.QUEUECTL_E2E === '1') {
    // For tests/e2e-electron through electronApp.evaluate (main-process globals only): the tray as data,
    // and its menu actions (a tray menu cannot be clicked by Playwright).
    (globalThis as Record<string, unknown>).__queuectlDesktop = {
      tray: () => ({ state: trayState, icon: trayIcon(trayState), tooltip: trayTooltip(trayState), menu: trayMenu(trayState), created: tray !== null }),
      windowVisible: () => window?.isVisible() ?? false,
      /** Runs a tray action exactly as clicking its menu item does. */
      act: (action: TrayAction) => act(action),
    };
  }
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

