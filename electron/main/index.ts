import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { app, dialog, powerMonitor, session as electronSession } from 'electron';
import { defaultConfig, formatDuration, type JobsEvent, type StatusResult } from '../../protocol/index.js';
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
import { loginItemUnavailable } from './login-item.js';
import { chooseNativeBinding } from './native-binding.js';
import { NotificationBatcher } from './notifications.js';
import { toggles, withToggle } from './preferences.js';
import {
  afterQuitChoice,
  closeDecision,
  QUIT_CHOICES,
  quitPrompt,
  quitStep,
  STOP_WATCHDOG_GRACE_MS,
  watchdogDeadline,
  type QuitChoice,
  type QuitRequest,
  type StopOptions,
} from './quit-plan.js';
import {
  actionAllowed,
  initialTrayState,
  trayIcon,
  trayMenu,
  trayTooltip,
  withJobsEvent,
  withSeen,
  withEngineAnswer,
  withQueueEvent,
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
const args = parseAppArgs(process.argv.slice(1));
// --home (how the Windows login item passes the data directory) wins over QUEUECTL_HOME; setting the variable
// keeps everything that reads it (resolveHome, the workers' environment) on the same directory.
if (args.home) process.env.QUEUECTL_HOME = args.home;
const home = resolveHome();
/** The data directory used when QUEUECTL_HOME is not set: launch at login need not name it. */
const defaultHome = resolveHome({ ...process.env, QUEUECTL_HOME: '' });
const launchedByCli = process.env.QUEUECTL_LAUNCHED_BY === 'cli';
const log = (message: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
};
const describe = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));
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

  hardenSession(electronSession.defaultSession, () => window?.contents ?? null, log);
  serveApp(electronSession.defaultSession, layout.rendererDir);

  // How far quitting has got (used by the tray, the window and the quit logic below).
  /** This app began a stop (Quit, Cmd+Q, a signal, the OS ending the session). */
  let stopRequested = false;
  /** The stop's promise has our handlers: the app quits when it ends, fails or times out. */
  let stopWatched = false;
  /** Torn down; quitting. */
  let stopped = false;
  let watchdogAt: number | null = null;
  let watchdogTimer: ReturnType<typeof setTimeout> | null = null;
  let quitDialogOpen = false;

  // ── tray and notifications ────────────────────────────────────────────────────────────────────────
  const customHome = home !== defaultHome;
  const loginItemProblem = loginItemUnavailable(process.platform, { packaged: app.isPackaged, customHome });
  let trayState: TrayState = initialTrayState(toggles(prefs.get()), engine.paused(), loginItemProblem);
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
      if (event.type === 'queue') setTray(withQueueEvent(trayState, event));
    },
  };
  /**
   * Reads status: counts, workers, paused, and whether the engine is stopping. A stop the tray did not ask
   * for (`queuectl worker stop`) arrives as the engine's 'stopping' event; status and SHUTTING_DOWN answers
   * (noteAnswer) confirm it. Status is read at start, before each queue action from the menu (so a click on
   * a menu drawn before the stop began is dropped) and after the tray's own changes. Nothing is polled.
   */
  const refreshStatus = async (): Promise<void> => {
    if (stopped) return;
    const status = await engine.dispatch(traySession, 'status', {});
    if (!('result' in status)) return noteAnswer(status);
    const result = status.result as StatusResult;
    setTray(withStatus(trayState, result));
    if (result.stopping) noticeEngineStopping();
  };
  /**
   * Any engine answer: SHUTTING_DOWN means a stop is under way. The stop itself is then watched only once
   * status confirms it (noticeEngineStopping must never be what starts one).
   */
  const noteAnswer = (answer: Awaited<ReturnType<Engine['dispatch']>>): void => {
    const next = withEngineAnswer(trayState, answer);
    if (next === trayState) return;
    setTray(next);
    void refreshStatus();
  };

  /** The tray's Pause/Resume: the same switch as `queuectl pause`; the 'queue' event updates the tray. */
  const onPauseToggle = (): void => engine.setPaused(!engine.paused());

  async function act(action: TrayAction): Promise<void> {
    if (stopped) return;
    // The menu may have been drawn before a stop began: queue actions check status first.
    if (action.type === 'pause-toggle' || action.type === 'workers' || action.type === 'retry-dead') await refreshStatus();
    if (!actionAllowed(trayState, action)) {
      log(`tray: ${action.type} ignored (${trayState.stopping ? 'the queue is stopping' : (trayState.loginItemUnavailable ?? 'not available')})`);
      return;
    }
    switch (action.type) {
      case 'open':
        return showDashboard(action.route);
      case 'pause-toggle':
        return onPauseToggle();
      case 'workers': {
        const answer = await engine.dispatch(traySession, 'config.set', { key: 'workers', value: action.count });
        noteAnswer(answer);
        if ('error' in answer) notifier.notice('Could not change the workers', answer.error.message);
        return refreshStatus();
      }
      case 'retry-dead': {
        const answer = await engine.dispatch(traySession, 'dlq.retry', { all: true });
        noteAnswer(answer);
        if ('error' in answer) notifier.notice('Could not retry the dead jobs', answer.error.message);
        return refreshStatus();
      }
      case 'toggle': {
        prefs.set(withToggle(prefs.get(), action.key, action.value));
        if (action.key === 'launchAtLogin') applyLoginItem(action.value, customHome ? home : null, log);
        return setTray({ ...trayState, toggles: toggles(prefs.get()) });
      }
      case 'quit':
        return requestQuit(action.now ? 'menu-now' : 'menu');
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
      const decision = closeDecision({ stopped, stopUnderWay: stopUnderWay(), hasTray: tray !== null, closeToTray: prefs.get().closeToTray });
      switch (decision) {
        case 'close':
          return 'close';
        case 'hide-while-stopping':
          // The stop under way ends the app and destroys the window; closing it never shortens the stop.
          return 'hide';
        case 'hide-to-tray':
          if (!prefs.get().closeNoticeShown) {
            notifier.notice('queuectl is still running', 'Jobs keep running in the tray. Quit from the tray menu.');
            prefs.set({ ...prefs.get(), closeNoticeShown: true });
          }
          return 'hide';
        case 'quit':
          void requestQuit('menu');
          return 'quit';
        default: {
          const never: never = decision;
          throw new Error(`unknown close decision ${String(never)}`);
        }
      }
    },
    onSeen: () => setTray(withSeen(trayState)),
    onContentsCreated: (contents) => ipc.attach(contents),
    onSessionEnd: (reasons) => {
      log(`the session is ending (${reasons.join(', ') || 'no reason given'}): stopping now, requeuing running jobs`);
      void requestQuit('os-shutdown');
    },
    log,
  });

  // ── quitting ──────────────────────────────────────────────────────────────────────────────────────
  /** A stop is under way: this app's, or one it learnt of (`queuectl worker stop`). */
  const stopUnderWay = (): boolean => stopRequested || trayState.stopping;

  /** Tears the host down and quits; after a failed stop with status 1. Runs once. */
  const finish = (failed: boolean): void => {
    if (stopped) return;
    stopped = true;
    if (watchdogTimer) clearTimeout(watchdogTimer);
    batcher.dispose();
    notifier.closeAll();
    ipc.stop();
    tray?.destroy();
    window?.destroy();
    if (failed) app.exit(1);
    else app.quit();
  };
  /** Quits when the stop ends, and also when it fails: before-quit must not keep waiting for it. */
  const watchStop = (stop: Promise<void>): void => {
    if (stopWatched) return;
    stopWatched = true;
    stop
      .catch((err: unknown) => {
        log(`the engine's stop failed: ${describe(err)}; quitting anyway (the next start recovers what it left)`);
        return 'failed' as const;
      })
      .then((outcome) => finish(outcome === 'failed'))
      .catch((err: unknown) => log(`quitting failed: ${describe(err)}`));
  };
  /** The last resort: the stop's timeout plus a grace period, then exit 1 whatever the engine is doing. */
  const armWatchdog = (stopTimeoutMs: number): void => {
    if (stopped) return;
    const deadline = watchdogDeadline(watchdogAt, Date.now(), stopTimeoutMs);
    if (deadline === watchdogAt) return;
    watchdogAt = deadline;
    if (watchdogTimer) clearTimeout(watchdogTimer);
    const allowed = `${formatDuration(stopTimeoutMs)} + ${formatDuration(STOP_WATCHDOG_GRACE_MS)}`;
    watchdogTimer = setTimeout(() => {
      log(`the engine did not stop within ${allowed}; exiting with status 1 (the next start recovers interrupted jobs)`);
      app.exit(1);
    }, Math.max(0, deadline - Date.now()));
  };
  const configuredStopTimeout = async (): Promise<number> => {
    const answer = await engine.dispatch(traySession, 'config.get', { key: 'stop_timeout_ms' }).catch(() => null);
    const value = answer && 'result' in answer ? (answer.result as { entry: { value: unknown } }).entry.value : null;
    return typeof value === 'number' ? value : defaultConfig().stop_timeout_ms;
  };
  const beginStop = (stopOptions: StopOptions): void => {
    if (stopped) return;
    stopRequested = true;
    setTray({ ...trayState, stopping: true });
    watchStop(engine.stop(stopOptions));
    if (stopOptions.timeoutMs !== undefined) armWatchdog(stopOptions.timeoutMs);
    else void configuredStopTimeout().then(armWatchdog);
  };
  /**
   * A stop is under way, whoever began it (this app, `queuectl worker stop`): the tray shows it, and the app
   * quits once the engine has stopped (`engine.stopped` resolves even when a step of the stop failed). The
   * time limit of a stop the CLI began is the CLI's business: `worker stop` gives up after its own timeout.
   */
  const noticeEngineStopping = (): void => {
    if (stopped) return;
    if (!trayState.stopping) setTray({ ...trayState, stopping: true });
    watchStop(engine.stopped);
  };
  engine.events.once('stopping', noticeEngineStopping);
  const requestQuit = async (request: QuitRequest): Promise<void> => {
    if (stopped) return;
    const step = quitStep(request, stopUnderWay());
    if (step.kind === 'stop') return beginStop(step.options);
    if (step.kind === 'none' || quitDialogOpen) return;
    const status = await engine.dispatch(traySession, 'status', {});
    const result = 'result' in status ? (status.result as StatusResult) : null;
    if (result?.stopping) noticeEngineStopping();
    const running = result ? result.counts.processing : trayState.counts.processing;
    const prompt = quitPrompt(running, await configuredStopTimeout());
    let choice: QuitChoice = 'wait';
    if (prompt) {
      const parent = window?.browserWindow;
      const dialogOptions = { type: 'question' as const, noLink: true, ...prompt };
      quitDialogOpen = true;
      try {
        const { response } = parent ? await dialog.showMessageBox(parent, dialogOptions) : await dialog.showMessageBox(dialogOptions);
        choice = QUIT_CHOICES[response] ?? 'cancel';
      } finally {
        quitDialogOpen = false;
      }
    }
    if (stopped) return;
    // A stop may have begun while the dialog was open: "Stop and requeue" still shortens it, "Wait" adds nothing.
    const stopOptions = afterQuitChoice(choice, stopUnderWay());
    if (stopOptions) beginStop(stopOptions);
  };
  void engine.stopped.then(() => finish(false));
  // Cmd+Q, SIGINT/SIGTERM (Electron turns them into a quit), Playwright's close: a graceful stop; a second one
  // while stopping kills and requeues running jobs at once. (Windows: not emitted for shutdown or log-off.)
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    void requestQuit('app-quit');
  });
  // Linux (a systemd-logind delay inhibitor: at most InhibitDelayMaxSec, 5 s by default) and macOS.
  powerMonitor.on('shutdown', (...shutdownArgs: unknown[]) => {
    (shutdownArgs[0] as { preventDefault?: () => void } | undefined)?.preventDefault?.();
    void requestQuit('os-shutdown');
  });
  app.on('window-all-closed', () => {
    // The tray keeps the app; without one, the window's close already began quitting.
  });

  app.on('second-instance', (_event, argv) => showDashboard(parseAppArgs(argv).show || null));

  await engine.dispatch(traySession, 'events.subscribe', { jobs: true });
  await refreshStatus();
  setTray(trayState);
  if (!args.hidden && !openedAtLogin()) showDashboard(args.show || null);

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

/**
 * macOS: a login item opens the app without arguments (no --hidden), so ask whether this is such a start.
 * Best effort: Electron documents wasOpenedAtLogin for macOS; where it is not reported the window opens.
 */
function openedAtLogin(): boolean {
  if (process.platform !== 'darwin' || !app.isPackaged) return false;
  try {
    return app.getLoginItemSettings().wasOpenedAtLogin === true;
  } catch {
    return false;
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

