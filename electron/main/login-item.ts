import { join } from 'node:path';

/**
 * Launch at login. macOS and Windows have app.setLoginItemSettings; Linux desktops follow the XDG autostart
 * spec instead: a .desktop file in $XDG_CONFIG_HOME/autostart that the session runs at login. The entry
 * starts the app hidden in the tray, with the data directory it was enabled from.
 */

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
