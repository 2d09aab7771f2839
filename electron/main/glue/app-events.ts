import { app, powerMonitor } from 'electron';
import { parseAppArgs } from '../app-args.js';
import type { QuitController } from '../quit-controller.js';

/**
 * The app-wide events the host answers: requests to quit from the user and the OS, and a second launch. (The
 * window's own close and Windows' session end come through glue/window.ts.)
 */
export function listenToApp(quit: QuitController, showDashboard: (route: string | null) => void): void {
  // Cmd+Q, SIGINT/SIGTERM (Electron turns them into a quit), Playwright's close: a graceful stop; a second one
  // while stopping kills and requeues running jobs at once. (Windows: not emitted for shutdown or log-off.)
  app.on('before-quit', (event) => {
    if (quit.stopped) return;
    event.preventDefault();
    void quit.request('app-quit');
  });
  // Linux (a systemd-logind delay inhibitor: at most InhibitDelayMaxSec, 5 s by default) and macOS.
  powerMonitor.on('shutdown', (...shutdownArgs: unknown[]) => {
    (shutdownArgs[0] as { preventDefault?: () => void } | undefined)?.preventDefault?.();
    void quit.request('os-shutdown');
  });
  app.on('window-all-closed', () => {
    // The tray keeps the app; without one, the window's close already began quitting.
  });

  app.on('second-instance', (_event, argv) => showDashboard(parseAppArgs(argv).show || null));
}
