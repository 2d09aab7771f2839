import { trayIcon, trayMenu, trayTooltip, type TrayAction } from './tray-model.js';
import type { TrayController } from './tray-controller.js';

/**
 * For tests/e2e-electron through electronApp.evaluate (main-process globals only): the tray as data, and its
 * menu actions (a tray menu cannot be clicked by Playwright). index.ts installs it under QUEUECTL_E2E=1 only.
 */
export function exposeForE2e(tray: TrayController, windowVisible: () => boolean): void {
  (globalThis as Record<string, unknown>).__queuectlDesktop = {
    tray: () => ({ state: tray.state, icon: trayIcon(tray.state), tooltip: trayTooltip(tray.state), menu: trayMenu(tray.state), created: tray.hasIcon }),
    windowVisible,
    /** Runs a tray action exactly as clicking its menu item does. */
    act: (action: TrayAction) => tray.act(action),
  };
}
