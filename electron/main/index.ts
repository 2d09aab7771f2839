import { join } from 'node:path';
import { app, dialog, session as electronSession } from 'electron';
import { resolveHome } from '../../protocol/node/paths.js';
import { startEngine, type Engine, type EngineOptions } from '../engine/index.js';
import { parseAppArgs } from './app-args.js';
import { exposeForE2e } from './e2e-hook.js';
import { listenToApp } from './glue/app-events.js';
import { registerAppScheme, serveApp } from './glue/app-scheme.js';
import { IpcBridge } from './glue/ipc.js';
import { applyLoginItem, openedAtLogin } from './glue/login-item.js';
import { Notifier } from './glue/notifier.js';
import { openPreferences } from './glue/preferences-store.js';
import { askQuit } from './glue/quit-dialog.js';
import { hardenAllContents, hardenSession } from './glue/security.js';
import { TrayView } from './glue/tray.js';
import { DashboardWindow } from './glue/window.js';
import { utilityProcessWorkers } from './glue/workers.js';
import { appLayout } from './layout.js';
import { describe, log } from './log.js';
import { loginItemUnavailable } from './login-item.js';
import { nativeBindingFor } from './native-binding.js';
import { QuitController } from './quit-controller.js';
import { startFailure } from './start-failure.js';
import { TrayController } from './tray-controller.js';

/**
 * The desktop host: the engine in Electron's main process with utility-process workers, a tray icon, desktop
 * notifications and the dashboard window. Same data directory, socket and engine as the headless daemon
 * (electron/daemon.ts), so `queuectl` in any terminal works unchanged. This file is the start-up order;
 * everything with logic in it lives in Electron-free modules next to it (tested under Node in tests/desktop),
 * and glue/ holds the thin Electron calls. Read docs/desktop.md first.
 */

const layout = appLayout(import.meta.dirname);
const args = parseAppArgs(process.argv.slice(1));
// --home (how the Windows login item passes the data directory) wins over QUEUECTL_HOME; setting the variable
// keeps everything that reads it (resolveHome, the workers' environment) on the same directory.
if (args.home) process.env.QUEUECTL_HOME = args.home;
const home = resolveHome();
/** The data directory used when QUEUECTL_HOME is not set: launch at login need not name it. */
const defaultHome = resolveHome({ ...process.env, QUEUECTL_HOME: '' });
const launchedByCli = process.env.QUEUECTL_LAUNCHED_BY === 'cli';
// A rejection nobody handled is a bug to log, not a reason for a modal error box in a tray app.
process.on('unhandledRejection', (reason) => log(`unhandled rejection: ${describe(reason)}`));

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

/** Once Electron is ready: the engine first, then what shows it (tray, window and IPC), then quitting. */
async function main(): Promise<void> {
  const prefs = openPreferences(app.getPath('userData'), log);
  const native = nativeBindingFor(layout);
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
    return fatal(startFailure(err));
  }

  hardenSession(electronSession.defaultSession, () => window?.contents ?? null, log);
  serveApp(electronSession.defaultSession, layout.rendererDir);

  // The tray and the window call into `quit`, made further down once everything it tears down exists; none of
  // those calls can come before then (they answer clicks, closes and status reads).
  const customHome = home !== defaultHome;
  const notifier = new Notifier(join(layout.resourcesDir, 'icon.png'), (route) => showDashboard(route));
  const tray = new TrayController({
    engine,
    prefs,
    loginItemUnavailable: loginItemUnavailable(process.platform, { packaged: app.isPackaged, customHome }),
    createIcon: (onAction) => TrayView.create(layout.resourcesDir, onAction, log),
    notifier,
    setLoginItem: (enabled) => applyLoginItem(enabled, customHome ? home : null, log),
    showDashboard,
    dashboardFocused: () => window?.isFocused() ?? false,
    quitting: { stopped: () => quit.stopped, request: (request) => quit.request(request), engineStopping: () => quit.noticeEngineStopping() },
    log,
  });

  const ipc = new IpcBridge(engine, () => window?.contents ?? null, log);
  ipc.start();
  window = new DashboardWindow({
    preload: layout.preload,
    icon: join(layout.resourcesDir, 'icon.png'),
    bounds: () => prefs.get().windowBounds,
    saveBounds: (bounds) => prefs.set({ ...prefs.get(), windowBounds: bounds }),
    onCloseRequest: () => quit.closeRequest(),
    onSeen: () => tray.markSeen(),
    onContentsCreated: (contents) => ipc.attach(contents),
    onSessionEnd: (reasons) => quit.sessionEnding(reasons),
    log,
  });

  const quit: QuitController = new QuitController({
    engine,
    tray,
    prefs,
    notifier,
    ask: (prompt) => askQuit(window?.browserWindow ?? null, prompt),
    teardown: () => {
      tray.stopNotifying();
      notifier.closeAll();
      ipc.stop();
      tray.destroy();
      window?.destroy();
    },
    app,
    log,
  });
  quit.watchEngine();
  listenToApp(quit, showDashboard);

  await tray.start();
  if (!args.hidden && !openedAtLogin()) showDashboard(args.show || null);
  if (process.env.QUEUECTL_E2E === '1') exposeForE2e(tray, () => window?.isVisible() ?? false);
}
