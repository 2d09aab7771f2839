import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { app } from 'electron';
import { autostartEntry, autostartPath, loginArgs } from '../login-item.js';

/**
 * Launch at login, hidden in the tray. macOS and Windows: the OS login items. Linux: an XDG autostart entry.
 * `home` is written into the Linux entry only when it is not the default data directory.
 */
export function applyLoginItem(enabled: boolean, home: string | null, log: (message: string) => void): void {
  const appPath = app.isPackaged ? null : app.getAppPath();
  try {
    if (process.platform === 'linux') {
      const path = autostartPath(process.env, homedir());
      if (enabled) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, autostartEntry(process.execPath, loginArgs(appPath), home));
      } else {
        rmSync(path, { force: true });
      }
      return;
    }
    app.setLoginItemSettings({ openAtLogin: enabled, path: process.execPath, args: loginArgs(appPath) });
  } catch (err) {
    log(`could not ${enabled ? 'enable' : 'disable'} launch at login: ${err instanceof Error ? err.message : String(err)}`);
  }
}
