import { execFile } from 'node:child_process';

/**
 * Whether anything on this desktop shows a tray icon. `new Tray()` never says: on Linux Electron (Chromium's
 * StatusIconLinuxDbus) registers a StatusNotifierItem, and when no org.kde.StatusNotifierWatcher owns its name
 * on the session bus it falls back to a GtkStatusIcon (XEmbed) that stock GNOME, and every Wayland session,
 * shows nowhere (electron shell/browser/ui/tray_icon_linux.cc, OnImplInitializationFailed). Hiding the window
 * to such a tray hides it into nothing, so close-to-tray is allowed on Linux only when a StatusNotifier host
 * is confirmed. Asked without native code: `dbus-send` (dbus package), else `gdbus` (GLib), both on every
 * desktop that has a session bus; when neither can answer, the safe default is "no host".
 */

export type TrayHost =
  /** macOS, Windows, or a Linux session with a StatusNotifierWatcher (KDE, GNOME's AppIndicator extension, …). */
  | { kind: 'present' }
  | { kind: 'absent'; why: string }
  /** The bus could not be asked: treated as absent for close-to-tray. */
  | { kind: 'unknown'; why: string };

/** What running a tool gave: exit code (null when it could not start), stdout, the spawn error's code. */
export interface ToolResult {
  code: number | null;
  stdout: string;
  error?: string;
}

export type RunTool = (file: string, args: string[], timeoutMs: number) => Promise<ToolResult>;

const WATCHER = 'org.kde.StatusNotifierWatcher';
const TIMEOUT_MS = 2000;

/** The questions, per tool: does the watcher own its name, and has a host registered with it. */
export const QUESTIONS = {
  'dbus-send': {
    hasOwner: ['--session', '--print-reply=literal', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', `string:${WATCHER}`],
    hostRegistered: [
      '--session',
      '--print-reply=literal',
      `--dest=${WATCHER}`,
      '/StatusNotifierWatcher',
      'org.freedesktop.DBus.Properties.Get',
      `string:${WATCHER}`,
      'string:IsStatusNotifierHostRegistered',
    ],
  },
  gdbus: {
    hasOwner: ['call', '--session', '--dest', 'org.freedesktop.DBus', '--object-path', '/org/freedesktop/DBus', '--method', 'org.freedesktop.DBus.NameHasOwner', WATCHER],
    hostRegistered: [
      'call',
      '--session',
      '--dest',
      WATCHER,
      '--object-path',
      '/StatusNotifierWatcher',
      '--method',
      'org.freedesktop.DBus.Properties.Get',
      WATCHER,
      'IsStatusNotifierHostRegistered',
    ],
  },
} as const;

export type DbusTool = keyof typeof QUESTIONS;

/**
 * A boolean answer in either tool's output: dbus-send's literal reply ("   boolean true", or
 * "   variant       boolean true" for a property), gdbus's GVariant text ("(true,)", "(<true>,)"). Null when
 * the output holds no boolean.
 */
export function parseBoolean(tool: DbusTool, stdout: string): boolean | null {
  const m = tool === 'dbus-send' ? /\bboolean\s+(true|false)\b/.exec(stdout) : /^\(\s*<?\s*(true|false)\s*>?\s*,\s*\)\s*$/m.exec(stdout.trim());
  return m ? m[1] === 'true' : null;
}

export async function probeTrayHost(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, run: RunTool = runTool): Promise<TrayHost> {
  if (platform === 'darwin' || platform === 'win32') return { kind: 'present' };
  if (!env.DBUS_SESSION_BUS_ADDRESS && !env.XDG_RUNTIME_DIR) return { kind: 'unknown', why: 'no session D-Bus to ask for a StatusNotifier host' };
  const failures: string[] = [];
  for (const tool of ['dbus-send', 'gdbus'] as const) {
    const owner = await run(tool, [...QUESTIONS[tool].hasOwner], TIMEOUT_MS);
    const has = owner.code === 0 ? parseBoolean(tool, owner.stdout) : null;
    if (has === null) {
      failures.push(owner.error === 'ENOENT' ? `${tool} is not installed` : `${tool} could not ask the session bus`);
      continue;
    }
    if (!has) return { kind: 'absent', why: 'no StatusNotifier host on this desktop (GNOME needs the AppIndicator extension)' };
    // A watcher without a host (a panel that crashed, a watcher started by an app): nothing shows icons.
    const host = await run(tool, [...QUESTIONS[tool].hostRegistered], TIMEOUT_MS);
    const registered = host.code === 0 ? parseBoolean(tool, host.stdout) : null;
    if (registered === false) return { kind: 'absent', why: 'a StatusNotifierWatcher runs but no tray host has registered with it' };
    return { kind: 'present' };
  }
  return { kind: 'unknown', why: `could not ask for a StatusNotifier host (${failures.join('; ')})` };
}

/** Closing the window may hide it to the tray only where a tray is known to be shown. */
export function closeToTrayPossible(host: TrayHost): boolean {
  return host.kind === 'present';
}

/** Why the tray cannot hold the window, or null when it can. */
export function trayHostProblem(host: TrayHost): string | null {
  return host.kind === 'present' ? null : host.why;
}

function runTool(file: string, args: string[], timeoutMs: number): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8', windowsHide: true }, (error, stdout) => {
      if (!error) return resolve({ code: 0, stdout });
      const code = (error as NodeJS.ErrnoException).code;
      resolve({ code: typeof code === 'number' ? code : null, stdout: stdout ?? '', error: typeof code === 'string' ? code : undefined });
    });
  });
}
