import { join } from 'node:path';
import { app, dialog, Menu, session as electronSession } from 'electron';
import { resolveHome } from '../../protocol/node/paths.js';
import { startEngine, type Engine, type EngineOptions } from '../engine/index.js';
import { chooseStore } from '../engine/store/choice.js';
import { parseAppArgs } from './app-args.js';
import { exposeForE2e } from './e2e-hook.js';
import { listenToApp } from './glue/app-events.js';
import { registerAppScheme, serveApp } from './glue/app-scheme.js';
import { DockIcon } from './glue/dock.js';
import { IpcBridge } from './glue/ipc.js';
import { applyLoginItem, openedAtLogin } from './glue/login-item.js';
import { Notifier } from './glue/notifier.js';
import { openPreferences } from './glue/preferences-store.js';
import { askQuit } from './glue/quit-dialog.js';
import { serveStoreSetting } from './glue/store-setting-ipc.js';
import { hardenAllContents, hardenSession } from './glue/security.js';
import { TrayView } from './glue/tray.js';
import { DashboardWindow } from './glue/window.js';
import { utilityProcessWorkers } from './glue/workers.js';
import { appLayout } from './layout.js';
import { describe, log } from './log.js';
import { loginItemUnavailable } from './login-item.js';
import { nativeBindingFor } from './native-binding.js';
import type { NotificationSpec } from './notifications.js';
import { absoluteHome, appMenuRoles, appUserModelId } from './platform.js';
import { storeForStart } from './preferences.js';
import { QuitController } from './quit-controller.js';
import { SecondLaunches } from './second-launch.js';
import { handleSignals } from './signals.js';
import { abortStart } from './start-guard.js';
import { startFailure } from './start-failure.js';
import { TrayController } from './tray-controller.js';
import { probeTrayHost, trayHostProblem } from './tray-host.js';

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
// keeps everything that reads it (resolveHome, the workers' environment) on the same directory, made absolute
// first: app.setPath wants an absolute path, and the workers must not depend on the directory they start in.
if (args.home) process.env.QUEUECTL_HOME = args.home;
const givenHome = absoluteHome(process.env.QUEUECTL_HOME, process.cwd());
if (givenHome) process.env.QUEUECTL_HOME = givenHome;
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
// Windows shows notifications only for an app with an AppUserModelID, which must be set before 'ready'.
if (process.platform === 'win32') app.setAppUserModelId(appUserModelId(app.isPackaged, process.execPath));
registerAppScheme();
hardenAllContents(log);

/** The engine once started: what a failure in main() must stop. */
let engine: Engine | null = null;
let engineStopped = false;
/** main() failed: the failure path owns the exit (status 1), quitting must not exit 0 first. */
let failing = false;
const secondLaunches = new SecondLaunches();

if (!app.requestSingleInstanceLock()) {
  // The running instance gets 'second-instance' and shows its window.
  app.quit();
} else {
  // From the first moment: a second launch during start-up is kept and shown once the window can be.
  app.on('second-instance', (_event, argv) => secondLaunches.request(parseAppArgs(argv).show || null));
  app.whenReady().then(main).catch((err: unknown) => fail(err));
}

/** Ends the app with the reason: logged, told to a person (not to the CLI: it reads the log), engine stopped. */
function fail(reason: unknown): Promise<void> {
  failing = true;
  return abortStart(reason, engine && !engineStopped ? engine : null, {
    log,
    exit: (code) => app.exit(code),
    tell: (message) => {
      if (!launchedByCli && app.isReady()) dialog.showErrorBox('queuectl could not start', message);
    },
  });
}

/** Once Electron is ready: the engine first, then what shows it (tray, window and IPC), then quitting. */
async function main(): Promise<void> {
  // Signals from here on are ours, not Chromium's one-shot quit (signals.ts says why this is the moment).
  let quit: QuitController | null = null;
  handleSignals({
    on: (signal, listener) => process.on(signal, listener),
    engineRunning: () => engine !== null && !engineStopped,
    // Before quitting is wired (the engine has just started): stop it at once and exit, as a failed start does.
    request: (request) => void (quit ? quit.request(request) : fail('a signal arrived during start-up')),
    exit: (code) => app.exit(code),
    log,
  });
  // Windows and Linux: no menu bar (Electron's default one offers Reload and DevTools); macOS: a small one.
  const roles = appMenuRoles(process.platform);
  Menu.setApplicationMenu(roles ? Menu.buildFromTemplate(roles.map((role) => ({ role }))) : null);

  const prefs = openPreferences(app.getPath('userData'), log);
  const native = nativeBindingFor(layout);
  if (native.kind === 'missing') return fail(native.message);
  // Asked while the engine starts; until the answer, the safe default: no tray host on Linux.
  const trayHost = probeTrayHost(process.platform, process.env);

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
  let started: Engine;
  let chosenStore: ReturnType<typeof chooseStore>;
  try {
    chosenStore = chooseStore(home, storeForStart(prefs.get(), process.env), process.env);
    started = await startEngine(options);
  } catch (err) {
    return fail(startFailure(err));
  }
  engine = started;
  void started.stopped.then(() => (engineStopped = true));

  hardenSession(electronSession.defaultSession, () => window?.contents ?? null, log);
  serveApp(electronSession.defaultSession, layout.rendererDir);

  // The tray and the window call into `quit`, made further down once everything it tears down exists; none of
  // those calls can come before then (they answer clicks, closes and status reads).
  const customHome = home !== defaultHome;
  const openFromNotification = (route: string): void => showDashboard(route);
  const notifier = new Notifier(join(layout.resourcesDir, 'icon.png'), openFromNotification);
  const shownForE2e: NotificationSpec[] = [];
  const dock = new DockIcon();
  const updateDock = (): void =>
    dock.update({ windowVisible: window?.isVisible() ?? false, hidePreference: prefs.get().hideDockIcon, trayShown: tray.iconCreated });
  const tray = new TrayController({
    engine: started,
    prefs,
    loginItemUnavailable: loginItemUnavailable(process.platform, { packaged: app.isPackaged, customHome }),
    trayHostProblem: process.platform === 'darwin' || process.platform === 'win32' ? null : 'still looking for a tray host',
    dock: process.platform === 'darwin',
    createIcon: (onAction) => TrayView.create(layout.resourcesDir, onAction, log),
    notifier: {
      show: (spec) => {
        if (process.env.QUEUECTL_E2E === '1') shownForE2e.push(spec);
        notifier.show(spec);
      },
      notice: (title, body) => notifier.notice(title, body),
    },
    setLoginItem: (enabled) => applyLoginItem(enabled, customHome ? home : null, log),
    onPreferencesChanged: () => updateDock(),
    showDashboard,
    dashboardFocused: () => window?.isFocused() ?? false,
    quitting: { stopped: () => quit?.stopped ?? false, request: async (request) => quit?.request(request), engineStopping: () => quit?.noticeEngineStopping() },
    log,
  });
  void trayHost.then((host) => {
    const problem = trayHostProblem(host);
    if (problem) log(`closing the window will quit: ${problem}`);
    tray.setTrayHostProblem(problem);
  });

  const ipc = new IpcBridge(started, () => window?.contents ?? null, log);
  ipc.start();
  const stopStoreSetting = serveStoreSetting({ prefs, running: chosenStore, log }, () => window?.contents ?? null);
  window = new DashboardWindow({
    preload: layout.preload,
    icon: join(layout.resourcesDir, 'icon.png'),
    bounds: () => prefs.get().windowBounds,
    saveBounds: (bounds) => prefs.set({ ...prefs.get(), windowBounds: bounds }),
    onCloseRequest: () => quit?.closeRequest() ?? 'quit',
    onSeen: () => tray.markSeen(),
    onVisibilityChange: () => updateDock(),
    onContentsCreated: (contents) => ipc.attach(contents),
    onSessionEnd: (reasons) => quit?.sessionEnding(reasons),
    log,
  });

  quit = new QuitController({
    engine: started,
    tray,
    prefs,
    notifier,
    ask: (prompt) => askQuit(window?.browserWindow ?? null, prompt),
    teardown: () => {
      tray.stopNotifying();
      notifier.closeAll();
      ipc.stop();
      stopStoreSetting();
      tray.destroy();
      window?.destroy();
    },
    app: { quit: () => void (failing || app.quit()), exit: (code) => app.exit(code) },
    log,
  });
  quit.watchEngine();
  listenToApp(quit, showDashboard);

  await tray.start();
  const showAtStart = !args.hidden && !openedAtLogin() && !secondLaunches.waiting;
  if (showAtStart) showDashboard(args.show || null);
  else updateDock();
  secondLaunches.ready(showDashboard);
  if (process.env.QUEUECTL_E2E === '1') exposeForE2e(tray, () => window?.isVisible() ?? false, { shown: shownForE2e, click: openFromNotification });
}
