import { join } from 'node:path';

/**
 * Launch at login, hidden in the tray, on the data directory it was enabled from. What each OS allows:
 * - Linux (and other XDG desktops): a .desktop file in $XDG_CONFIG_HOME/autostart that the session runs at
 *   login; it can carry any command line and environment, so everything works.
 * - Windows: app.setLoginItemSettings writes a Run registry value: `path` plus `args` joined with spaces
 *   (Electron does not quote them, hence windowsQuote). The data directory goes along as `--home=<path>`,
 *   which the app honours (app-args.ts). One value, named "queuectl": enabling it from another data
 *   directory replaces it, as the single autostart file does on Linux.
 * - macOS: a login item is the app bundle itself, opened with no arguments (`path` and `args` are
 *   Windows-only). Unpackaged, the running bundle is node_modules' Electron.app, which would open Electron's
 *   default app at login, and a data directory other than the default cannot be passed: in both cases the
 *   toggle is disabled with the reason (loginItemUnavailable).
 */

/** The Windows Run value's name (Electron's default, the AppUserModelId, is Electron's own when unpackaged). */
export const WINDOWS_LOGIN_ITEM_NAME = 'queuectl';

/** Why launch at login cannot work in this run, as the tray shows it; null when it can. */
export function loginItemUnavailable(platform: NodeJS.Platform, run: { packaged: boolean; customHome: boolean }): string | null {
  if (platform !== 'darwin') return null;
  if (!run.packaged) return 'macOS: needs the packaged app';
  if (run.customHome) return 'macOS: default data directory only';
  return null;
}

/** What applyLoginItem does on Windows: app.setLoginItemSettings with these. */
export function windowsLoginSettings(
  enabled: boolean,
  execPath: string,
  appPath: string | null,
  home: string | null,
): { openAtLogin: boolean; path: string; args: string[]; name: string } {
  const args = [...(appPath ? [windowsQuote(appPath)] : []), '--hidden', ...(home ? [windowsQuote(`--home=${home}`)] : [])];
  return { openAtLogin: enabled, path: execPath, args, name: WINDOWS_LOGIN_ITEM_NAME };
}

/**
 * One argument quoted for a Windows command line, so that CommandLineToArgvW (which Chromium's command line
 * and so process.argv go through) gives it back unchanged: in double quotes, backslashes doubled only where
 * they precede a quote (or the closing quote), quotes escaped.
 */
export function windowsQuote(arg: string): string {
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      backslashes++;
      continue;
    }
    if (ch === '"') {
      out += '\\'.repeat(backslashes * 2 + 1) + '"';
    } else {
      out += '\\'.repeat(backslashes) + ch;
    }
    backslashes = 0;
  }
  return `${out}${'\\'.repeat(backslashes * 2)}"`;
}

/** Where the autostart entry goes on Linux. */
export function autostartPath(env: NodeJS.ProcessEnv, homedir: string): string {
  return join(env.XDG_CONFIG_HOME || join(homedir, '.config'), 'autostart', 'queuectl.desktop');
}

/** The arguments the login launch gets (after the executable). */
export function loginArgs(appPath: string | null): string[] {
  return [...(appPath ? [appPath] : []), '--hidden'];
}

/**
 * A desktop entry running `exec` with `args`. Quoting follows the Desktop Entry spec's Exec key: every
 * argument in double quotes, with `"`, `` ` ``, `$` and `\` escaped, and `%` doubled (field codes).
 */
export function autostartEntry(exec: string, args: string[], home: string | null): string {
  const quote = (s: string): string => `"${s.replace(/([\\"`$])/g, '\\$1').replace(/%/g, '%%')}"`;
  const command = [exec, ...args].map(quote).join(' ');
  const envPrefix = home ? `env ${quote(`QUEUECTL_HOME=${home}`)} ` : '';
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=queuectl',
    'Comment=Background job queue (tray)',
    `Exec=${envPrefix}${command}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}
