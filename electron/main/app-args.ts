import { posix, win32 } from 'node:path';
import { isDashboardRoute } from './app-protocol.js';

/**
 * The desktop app's own command line (after Electron's and the app path):
 *   --count N      worker processes for this start (stored as config "workers"), as the daemon takes it
 *   --hidden       start in the tray without opening the window (launch at login uses it)
 *   --show[=ROUTE] open the window, at a hash route such as #/dlq; sent to the running app by a second launch
 *   --home=PATH    the data directory (an absolute path), ahead of QUEUECTL_HOME: the Windows login item
 *                  passes it this way, since a Run registry value cannot set environment variables
 * Chromium's own switches and anything unknown are ignored: Electron passes its flags through argv too.
 */
export interface AppArgs {
  count: number | null;
  hidden: boolean;
  /** null: no --show; '' : --show without a route. */
  show: string | null;
  /** --home=PATH, or null. */
  home: string | null;
}

export function parseAppArgs(argv: readonly string[], platform: NodeJS.Platform = process.platform): AppArgs {
  const args: AppArgs = { count: null, hidden: false, show: null, home: null };
  const isAbsolute = platform === 'win32' ? win32.isAbsolute : posix.isAbsolute;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--count' || arg.startsWith('--count=')) {
      const value = arg === '--count' ? argv[++i] : arg.slice('--count='.length);
      if (value !== undefined && /^\d{1,2}$/.test(value) && Number(value) >= 1 && Number(value) <= 64) args.count = Number(value);
    } else if (arg === '--hidden') {
      args.hidden = true;
    } else if (arg === '--show') {
      args.show = '';
    } else if (arg.startsWith('--show=')) {
      const route = arg.slice('--show='.length);
      args.show = isDashboardRoute(route) ? route : '';
    } else if (arg.startsWith('--home=')) {
      const home = arg.slice('--home='.length);
      // A relative path would depend on the directory the login session starts in: not accepted.
      if (home !== '' && !home.includes('\0') && isAbsolute(home)) args.home = home;
    }
  }
  return args;
}
