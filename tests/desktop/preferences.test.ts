import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parseAppArgs } from '../../electron/main/app-args.js';
import {
  autostartEntry,
  autostartPath,
  loginArgs,
  loginItemUnavailable,
  windowsLoginSettings,
  windowsQuote,
} from '../../electron/main/login-item.js';
import {
  DEFAULT_PREFERENCES,
  normalizePreferences,
  PREFERENCES_SCHEMA,
  restoreBounds,
  toggles,
  withToggle,
} from '../../electron/main/preferences.js';
import { QUIT_CHOICES, quitPrompt, stopOptionsFor } from '../../electron/main/quit-plan.js';

/** electron-store (conf) validates with Ajv 2020 against {type: object, properties: schema}; so does this. */
const validate = new Ajv2020({ allErrors: true }).compile({ type: 'object', properties: PREFERENCES_SCHEMA });

describe('preferences', () => {
  it('the defaults pass the store schema (electron-store would refuse to start otherwise)', () => {
    expect(validate(DEFAULT_PREFERENCES)).toBe(true);
    expect(validate({ ...DEFAULT_PREFERENCES, windowBounds: { x: -1920, y: 0, width: 1100, height: 720 } })).toBe(true);
    // A file from before the long-job threshold and the Dock preference stays valid (not reset).
    const { hideDockIcon: _dock, ...older } = DEFAULT_PREFERENCES;
    expect(validate({ ...older, notifications: { dead: true, completed: false } })).toBe(true);
  });

  it.each([
    ['a string flag', { closeToTray: 'yes' }],
    ['an unknown notification kind', { notifications: { dead: true, completed: true, spam: true } }],
    ['a half window', { windowBounds: { x: 0, y: 0, width: 800 } }],
    ['a tiny window', { windowBounds: { x: 0, y: 0, width: 10, height: 10 } }],
    ['a fractional long-job threshold', { notifications: { dead: true, completed: true, longJobSeconds: 1.5 } }],
  ])('the schema refuses %s', (_what, change) => {
    expect(validate({ ...DEFAULT_PREFERENCES, ...change })).toBe(false);
  });

  it('normalising keeps what is valid and defaults the rest (an old or hand-edited file)', () => {
    expect(normalizePreferences(undefined)).toEqual(DEFAULT_PREFERENCES);
    expect(normalizePreferences({ notifications: { dead: false }, closeToTray: 'no', windowBounds: { x: 1, y: 2, width: 900, height: 600 }, extra: 1 })).toEqual({
      ...DEFAULT_PREFERENCES,
      notifications: { dead: false, completed: true, longJobSeconds: null },
      windowBounds: { x: 1, y: 2, width: 900, height: 600 },
    });
    // The long-job threshold: whole seconds from 1 s to a week, else off.
    expect(normalizePreferences({ notifications: { longJobSeconds: 300 } }).notifications.longJobSeconds).toBe(300);
    expect(normalizePreferences({ notifications: { longJobSeconds: 0.5 } }).notifications.longJobSeconds).toBeNull();
    expect(normalizePreferences({ windowBounds: { x: 1.5, y: 0, width: 900, height: 600 } }).windowBounds).toBeNull();
  });

  it('each notification kind, launch at login and close-to-tray switch on their own', () => {
    let p = DEFAULT_PREFERENCES;
    p = withToggle(p, 'notifyDead', false);
    expect(p.notifications).toEqual({ dead: false, completed: true, longJobSeconds: null });
    p = withToggle(p, 'notifyCompleted', false);
    p = withToggle(p, 'launchAtLogin', true);
    p = withToggle(p, 'closeToTray', false);
    p = withToggle(p, 'hideDockIcon', false);
    expect(toggles(p)).toEqual({ notifyDead: false, notifyCompleted: false, launchAtLogin: true, closeToTray: false, hideDockIcon: false });
    expect(DEFAULT_PREFERENCES.notifications.dead).toBe(true);
  });

  it('window bounds come back only where a display still shows the title bar', () => {
    const laptop = [{ x: 0, y: 0, width: 1440, height: 900 }];
    expect(restoreBounds(null, laptop)).toBeNull();
    expect(restoreBounds({ x: 100, y: 80, width: 1000, height: 700 }, laptop)).toEqual({ x: 100, y: 80, width: 1000, height: 700 });
    // On a monitor that was unplugged.
    expect(restoreBounds({ x: 2000, y: 100, width: 1000, height: 700 }, laptop)).toBeNull();
    // Mostly off the left edge but 200 px of title bar visible: kept.
    expect(restoreBounds({ x: -800, y: 10, width: 1000, height: 700 }, laptop)).not.toBeNull();
    // Too small: grown to the minimum.
    expect(restoreBounds({ x: 0, y: 0, width: 100, height: 100 }, laptop)).toEqual({ x: 0, y: 0, width: 640, height: 420 });
  });
});

describe('quitting', () => {
  it('with nothing running, Quit needs no confirmation', () => {
    expect(quitPrompt(0, 60_000)).toBeNull();
  });

  it('with jobs running, it asks: wait (the graceful stop), stop and requeue now, or cancel', () => {
    const prompt = quitPrompt(3, 60_000)!;
    expect(prompt.message).toBe('3 jobs are running. Quit queuectl?');
    expect(prompt.detail).toContain('up to 1m 00s to finish');
    expect(prompt.buttons).toEqual(['Wait for them', 'Stop and requeue', 'Cancel']);
    expect(QUIT_CHOICES[prompt.cancelId]).toBe('cancel');
    expect(QUIT_CHOICES[prompt.defaultId]).toBe('wait');
    expect(quitPrompt(1, 5000)!.message).toBe('1 job is running. Quit queuectl?');
  });

  it('maps the choice to engine.stop options', () => {
    expect(stopOptionsFor('wait')).toEqual({});
    expect(stopOptionsFor('requeue')).toEqual({ timeoutMs: 0 });
    expect(stopOptionsFor('cancel')).toBeNull();
  });
});

describe('the app command line', () => {
  it('reads --count, --hidden and --show[=route] among Electron\'s own arguments', () => {
    expect(parseAppArgs(['/app', '--no-sandbox', '--count', '4', '--hidden'])).toEqual({ count: 4, hidden: true, show: null, home: null });
    expect(parseAppArgs(['--count=2', '--show=#/dlq'])).toEqual({ count: 2, hidden: false, show: '#/dlq', home: null });
    expect(parseAppArgs(['--show'])).toEqual({ count: null, hidden: false, show: '', home: null });
  });

  it('reads --home=PATH (how the Windows login item names the data directory): absolute paths only', () => {
    expect(parseAppArgs(['/app', '--hidden', '--home=/data/my queue'], 'linux').home).toBe('/data/my queue');
    expect(parseAppArgs(['C:\\app', '--hidden', '--home=C:\\Users\\u\\queue data'], 'win32').home).toBe('C:\\Users\\u\\queue data');
    expect(parseAppArgs(['--home=relative/dir'], 'linux').home).toBeNull();
    expect(parseAppArgs(['--home='], 'linux').home).toBeNull();
    expect(parseAppArgs(['--home', '/data/q'], 'linux').home).toBeNull();
    expect(parseAppArgs(['--home=C:\\q'], 'linux').home).toBeNull();
    expect(parseAppArgs(['--home=/a', '--home=/b'], 'linux').home).toBe('/b');
  });

  it('a Windows login item\'s Run value parses back into the same arguments, --home included', () => {
    const settings = windowsLoginSettings(true, 'C:\\app\\electron.exe', 'C:\\Program Files\\queuectl\\', 'C:\\Users\\u\\queue "data"\\');
    // Electron writes `path` and the args joined with spaces; Chromium parses it back as CommandLineToArgvW does.
    const argv = commandLineToArgv(settings.args.join(' '));
    expect(argv).toEqual(['C:\\Program Files\\queuectl\\', '--hidden', '--home=C:\\Users\\u\\queue "data"\\']);
    expect(parseAppArgs(argv, 'win32').home).toBe('C:\\Users\\u\\queue "data"\\');
  });
});

/** CommandLineToArgvW's rules for the arguments after the program name. */
function commandLineToArgv(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    let arg = '';
    let quoted = false;
    for (; i < line.length; i++) {
      const ch = line[i]!;
      if (ch === '\\') {
        let n = 0;
        while (line[i] === '\\') {
          n++;
          i++;
        }
        if (line[i] === '"') {
          arg += '\\'.repeat(Math.floor(n / 2));
          if (n % 2 === 1) arg += '"';
          else quoted = !quoted;
        } else {
          arg += '\\'.repeat(n);
          i--;
        }
        continue;
      }
      if (ch === '"') {
        quoted = !quoted;
        continue;
      }
      if (!quoted && (ch === ' ' || ch === '\t')) break;
      arg += ch;
    }
    out.push(arg);
  }
  return out;
}

describe('launch at login: what each OS allows', () => {
  it('Windows: a Run value named queuectl with the app path, --hidden and --home, paths quoted', () => {
    expect(windowsLoginSettings(true, 'C:\\e\\electron.exe', 'C:\\my app', 'D:\\q')).toEqual({
      openAtLogin: true,
      path: 'C:\\e\\electron.exe',
      args: ['"C:\\my app"', '--hidden', '"--home=D:\\q"'],
      name: 'queuectl',
    });
    // Packaged, default data directory: just --hidden.
    expect(windowsLoginSettings(false, 'C:\\q\\queuectl.exe', null, null)).toEqual({ openAtLogin: false, path: 'C:\\q\\queuectl.exe', args: ['--hidden'], name: 'queuectl' });
  });

  it('quotes for CommandLineToArgvW: backslashes doubled only before a quote', () => {
    expect(windowsQuote('C:\\a b\\c')).toBe('"C:\\a b\\c"');
    expect(windowsQuote('C:\\dir\\')).toBe('"C:\\dir\\\\"');
    expect(windowsQuote('say "hi"')).toBe('"say \\"hi\\""');
    expect(windowsQuote('')).toBe('""');
  });

  it('macOS: unavailable unpackaged (it would register Electron.app) and for a non-default data directory', () => {
    expect(loginItemUnavailable('darwin', { packaged: false, customHome: false })).toMatch(/packaged/);
    expect(loginItemUnavailable('darwin', { packaged: true, customHome: true })).toMatch(/default data directory/);
    expect(loginItemUnavailable('darwin', { packaged: true, customHome: false })).toBeNull();
    for (const platform of ['linux', 'win32', 'freebsd'] as const) {
      expect(loginItemUnavailable(platform, { packaged: false, customHome: true })).toBeNull();
    }
  });

  it('ignores counts out of range and routes that are not dashboard routes', () => {
    expect(parseAppArgs(['--count', '0']).count).toBeNull();
    expect(parseAppArgs(['--count', '65']).count).toBeNull();
    expect(parseAppArgs(['--count', 'many']).count).toBeNull();
    expect(parseAppArgs(['--show=javascript:alert(1)']).show).toBe('');
    expect(parseAppArgs(['--show=https://evil.example']).show).toBe('');
  });
});

describe('launch at login', () => {
  it('Linux: an XDG autostart entry that starts the app hidden, with quoting per the Desktop Entry spec', () => {
    expect(autostartPath({}, '/home/u')).toBe('/home/u/.config/autostart/queuectl.desktop');
    expect(autostartPath({ XDG_CONFIG_HOME: '/x' }, '/home/u')).toBe('/x/autostart/queuectl.desktop');
    expect(loginArgs('/opt/queue ctl')).toEqual(['/opt/queue ctl', '--hidden']);
    expect(loginArgs(null)).toEqual(['--hidden']);
    const entry = autostartEntry('/opt/electron', ['/opt/my "app" $x 100%', '--hidden'], '/data/q');
    expect(entry).toContain('[Desktop Entry]\nType=Application\nName=queuectl\n');
    expect(entry).toContain('Exec=env "QUEUECTL_HOME=/data/q" "/opt/electron" "/opt/my \\"app\\" \\$x 100%%" "--hidden"\n');
    expect(autostartEntry('/opt/electron', ['--hidden'], null)).toContain('Exec="/opt/electron" "--hidden"\n');
  });
});
