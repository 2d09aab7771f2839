import { app, powerMonitor } from 'electron';
import type { QuitController } from '../quit-controller.js';

/**
 * The app-wide events the host answers once it runs: requests to quit from the user and the OS, and macOS's
 * 'activate' (a click on the Dock icon, or opening the app again from Finder). A second launch is answered
 * from the first moment in index.ts; the window's own close and Windows' session end come through
 * glue/window.ts.
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
  // macOS: the Dock icon was clicked or the app opened again (applicationShouldHandleReopen, so never at the
  // first launch: electron shell/browser/mac/electron_application_delegate.mm): the dashboard.
  app.on('activate', () => {
    if (!quit.stopped) showDashboard(null);
  });
}
