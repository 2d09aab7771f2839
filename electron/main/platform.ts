import { isAbsolute, resolve } from 'node:path';
import type { TrayIcon } from './tray-model.js';

/**
 * Small per-platform decisions of the entry (index.ts), as data so they are tested under Node. Each names the
 * Electron behaviour it answers to.
 */

/**
 * Windows shows a notification only for an app with an Application User Model ID, set before 'ready'
 * (Electron docs/tutorial/notifications.md): a packaged app's own id; an unpackaged run (npm start) uses the
 * executable's path, as those docs suggest for development.
 */
export const PACKAGED_APP_ID = 'dev.queuectl.desktop';
export function appUserModelId(packaged: boolean, execPath: string): string {
  return packaged ? PACKAGED_APP_ID : execPath;
}

/**
 * QUEUECTL_HOME made absolute before it becomes app.setPath('userData', …) (which wants an absolute path) and
 * before the workers inherit it; relative to the directory the app was started in, like the CLI reads it.
 * Empty stays unset.
 */
export function absoluteHome(value: string | undefined, cwd: string): string | undefined {
  if (!value) return undefined;
  return isAbsolute(value) ? value : resolve(cwd, value);
}

/**
 * Whether a click on the tray icon opens the dashboard. On macOS a click already opens the context menu
 * (electron shell/browser/ui/tray_icon_cocoa.mm: mouseDown emits 'click' and then shows the menu), so also
 * opening the window there would do two things at once; Windows and Linux open the menu on a right click only.
 */
export function trayClickOpensDashboard(platform: NodeJS.Platform): boolean {
  return platform !== 'darwin';
}

/**
 * The application menu. Electron sets a default one (File, Edit, View with Reload and Toggle Developer Tools,
 * Window) at 'will-finish-launching' unless the app set its own (lib/browser/default-menu.ts); on Windows and
 * Linux it becomes every window's menu bar, so users could reload the dashboard or open DevTools. There:
 * none. On macOS the menu bar always shows an app menu: keep Quit, Hide and the Edit and Window menus
 * (copy and paste in the dashboard's fields need the Edit menu), no View menu.
 */
export function appMenuRoles(platform: NodeJS.Platform): Array<'appMenu' | 'editMenu' | 'windowMenu'> | null {
  return platform === 'darwin' ? ['appMenu', 'editMenu', 'windowMenu'] : null;
}

/**
 * macOS: the Dock icon while only the menu-bar icon is shown. Shown whenever the window is visible (it is
 * what Cmd+Tab and the window's menu need); hidden when the window is hidden or closed and the user's
 * preference says so; never touched elsewhere or without a tray to reopen the window from.
 */
export function dockAction(state: { platform: NodeJS.Platform; windowVisible: boolean; hidePreference: boolean; trayShown: boolean }): 'show' | 'hide' | 'none' {
  if (state.platform !== 'darwin') return 'none';
  if (state.windowVisible) return 'show';
  return state.hidePreference && state.trayShown ? 'hide' : 'show';
}

/**
 * Whether the Quit dialog may be a sheet of the dashboard window. On macOS a dialog with a parent is a sheet
 * on that window; on a hidden or minimised window it is invisible, and every later Quit would wait behind it.
 * So only a visible, not minimised window is a parent; otherwise the dialog stands alone.
 */
export function dialogParentUsable(window: { exists: boolean; visible: boolean; minimized: boolean }): boolean {
  return window.exists && window.visible && !window.minimized;
}

/**
 * The icon file per platform (scripts/make-icons.mjs draws them all):
 * - macOS: tray-<state>Template.png (16 pt) + @2x (32 px). A name ending in "Template" makes it a template
 *   image, which the menu bar tints for light and dark mode (Electron docs/api/tray.md, native-image.md).
 * - Windows: tray-<state>.ico with 16, 20, 24, 32, 40 and 48 px images; the shell picks the size for the
 *   display's scale (Electron recommends ICO there).
 * - Linux: tray-<state>.png + @2x; Electron hands the largest representation to the StatusNotifier host.
 */
export function trayIconFile(platform: NodeJS.Platform, icon: TrayIcon): string {
  if (platform === 'darwin') return `tray-${icon}Template.png`;
  if (platform === 'win32') return `tray-${icon}.ico`;
  return `tray-${icon}.png`;
}
