import type { NotificationSpec } from './notifications.js';
import { trayIcon, trayMenu, trayTooltip, type TrayAction } from './tray-model.js';
import type { TrayController } from './tray-controller.js';

/** What the e2e hook sees of notifications: each one shown, and what a click on one does. */
export interface E2eNotifications {
  shown: NotificationSpec[];
  click(route: string): void;
}

/**
 * For tests/e2e-electron through electronApp.evaluate (main-process globals only): the tray as data, and its
 * menu actions (a tray menu cannot be clicked by Playwright); the notifications shown, and their click (an OS
 * notification cannot be clicked either). index.ts installs it under QUEUECTL_E2E=1 only.
 */
export function exposeForE2e(tray: TrayController, windowVisible: () => boolean, notifications: E2eNotifications): void {
  (globalThis as Record<string, unknown>).__queuectlDesktop = {
    notifications: () => notifications.shown,
    clickNotification: (route: string) => notifications.click(route),
    tray: () => ({ state: tray.state, icon: trayIcon(tray.state), tooltip: trayTooltip(tray.state), menu: trayMenu(tray.state), created: tray.iconCreated, holdsWindow: tray.holdsWindow }),
    windowVisible,
    /** Runs a tray action exactly as clicking its menu item does. */
    act: (action: TrayAction) => tray.act(action),
  };
}
