import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { app } from 'electron';
import { autostartEntry, autostartPath, loginArgs, windowsLoginSettings } from '../login-item.js';

/**
 * Launch at login, hidden in the tray (see login-item.ts for what each OS allows). Linux: an XDG autostart
 * entry. Windows: a Run value with the app path, --hidden and --home. macOS: the app bundle as a login item
 * (the tray enables the toggle only where that is right, packaged and on the default data directory:
 * loginItemUnavailable in login-item.ts).
 * `home` is passed only when it is not the default data directory. False when the change could not be made
 * (the preference then keeps its old value).
 */
export function applyLoginItem(enabled: boolean, home: string | null, log: (message: string) => void): boolean {
  const appPath = app.isPackaged ? null : app.getAppPath();
  try {
    if (process.platform !== 'darwin' && process.platform !== 'win32') {
      const path = autostartPath(process.env, homedir());
      if (enabled) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, autostartEntry(process.execPath, loginArgs(appPath), home));
      } else {
        rmSync(path, { force: true });
      }
      return true;
    }
    if (process.platform === 'win32') {
      app.setLoginItemSettings(windowsLoginSettings(enabled, process.execPath, appPath, home));
      return true;
    }
    // macOS: `path` and `args` are Windows-only; the login item is the app bundle, opened without arguments.
    app.setLoginItemSettings({ openAtLogin: enabled });
    return true;
  } catch (err) {
    log(`could not ${enabled ? 'enable' : 'disable'} launch at login: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}

/**
 * macOS: a login item opens the app without arguments (no --hidden), so ask whether this is such a start.
 * Best effort: Electron documents wasOpenedAtLogin for macOS; where it is not reported the window opens.
 */
export function openedAtLogin(): boolean {
  if (process.platform !== 'darwin' || !app.isPackaged) return false;
  try {
    return app.getLoginItemSettings().wasOpenedAtLogin === true;
  } catch {
    return false;
  }
}
