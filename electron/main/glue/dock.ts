import { app } from 'electron';
import { dockAction } from '../platform.js';

/**
 * macOS: shows the Dock icon while the dashboard window is visible and hides it while only the menu-bar icon
 * is (the "Hide the Dock icon" preference; platform.ts dockAction decides). Electron documents that a
 * dock.hide() within a second of the previous call has no effect (docs/api/dock.md), so hiding waits 1.1 s
 * and is dropped if the window came back meanwhile. Does nothing elsewhere (`app.dock` is undefined there).
 */
export class DockIcon {
  private hideTimer: ReturnType<typeof setTimeout> | null = null;

  update(state: { windowVisible: boolean; hidePreference: boolean; trayShown: boolean }): void {
    const dock = app.dock;
    if (!dock) return;
    const action = dockAction({ platform: process.platform, ...state });
    if (this.hideTimer) clearTimeout(this.hideTimer);
    this.hideTimer = null;
    if (action === 'show' && !dock.isVisible()) void dock.show();
    if (action === 'hide') {
      this.hideTimer = setTimeout(() => {
        this.hideTimer = null;
        if (dock.isVisible()) dock.hide();
      }, 1100);
    }
  }
}
