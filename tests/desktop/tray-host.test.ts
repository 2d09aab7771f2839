import { describe, expect, it } from 'vitest';
import { closeToTrayPossible, parseBoolean, probeTrayHost, QUESTIONS, type RunTool, type ToolResult } from '../../electron/main/tray-host.js';

/** A session bus as the two tools would report it; `missing` tools fail to start (ENOENT). */
function bus(answers: { watcher: boolean | 'error'; host?: boolean | 'error'; missing?: string[] }): { run: RunTool; calls: string[] } {
  const calls: string[] = [];
  const run: RunTool = async (file, args) => {
    calls.push(file);
    if (answers.missing?.includes(file)) return { code: null, stdout: '', error: 'ENOENT' };
    const asksHost = args.includes('IsStatusNotifierHostRegistered') || args.includes('string:IsStatusNotifierHostRegistered');
    const value = asksHost ? (answers.host ?? true) : answers.watcher;
    if (value === 'error') return { code: 1, stdout: '' } satisfies ToolResult;
    if (file === 'dbus-send') return { code: 0, stdout: asksHost ? `   variant       boolean ${value}\n` : `   boolean ${value}\n` };
    return { code: 0, stdout: asksHost ? `(<${value}>,)\n` : `(${value},)\n` };
  };
  return { run, calls };
}

const SESSION = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' };

describe('tray host detection (StatusNotifierWatcher on the session bus)', () => {
  it('reads both tools’ answers', () => {
    expect(parseBoolean('dbus-send', '   boolean true\n')).toBe(true);
    expect(parseBoolean('dbus-send', '   variant       boolean false\n')).toBe(false);
    expect(parseBoolean('gdbus', '(true,)\n')).toBe(true);
    expect(parseBoolean('gdbus', '(<false>,)\n')).toBe(false);
    expect(parseBoolean('gdbus', 'Error: GDBus.Error:org.freedesktop.DBus.Error.ServiceUnknown')).toBeNull();
    expect(QUESTIONS['dbus-send'].hasOwner).toContain('string:org.kde.StatusNotifierWatcher');
  });

  it('KDE, or GNOME with the AppIndicator extension: a watcher with a registered host → present', async () => {
    expect(await probeTrayHost('linux', SESSION, bus({ watcher: true }).run)).toEqual({ kind: 'present' });
  });

  it('stock GNOME: no watcher → absent, and close-to-tray is not possible', async () => {
    const host = await probeTrayHost('linux', SESSION, bus({ watcher: false }).run);
    expect(host).toMatchObject({ kind: 'absent', why: expect.stringMatching(/no StatusNotifier host.*AppIndicator/) });
    expect(closeToTrayPossible(host)).toBe(false);
  });

  it('a watcher that no host registered with → absent', async () => {
    expect(await probeTrayHost('linux', SESSION, bus({ watcher: true, host: false }).run)).toMatchObject({ kind: 'absent' });
  });

  it('falls back to gdbus when dbus-send is not installed', async () => {
    const { run, calls } = bus({ watcher: true, missing: ['dbus-send'] });
    expect(await probeTrayHost('linux', SESSION, run)).toEqual({ kind: 'present' });
    expect(calls).toEqual(['dbus-send', 'gdbus', 'gdbus']);
  });

  it('cannot ask (no tools, bus errors, no session bus) → unknown, which does not allow close-to-tray', async () => {
    const none = await probeTrayHost('linux', SESSION, bus({ watcher: true, missing: ['dbus-send', 'gdbus'] }).run);
    expect(none).toMatchObject({ kind: 'unknown', why: expect.stringContaining('dbus-send is not installed; gdbus is not installed') });
    expect(closeToTrayPossible(none)).toBe(false);
    expect(await probeTrayHost('linux', SESSION, bus({ watcher: 'error' }).run)).toMatchObject({ kind: 'unknown' });
    expect(await probeTrayHost('linux', {}, bus({ watcher: true }).run)).toMatchObject({ kind: 'unknown', why: expect.stringContaining('no session D-Bus') });
  });

  it('macOS and Windows always have one, without asking', async () => {
    const { run, calls } = bus({ watcher: false });
    expect(await probeTrayHost('darwin', {}, run)).toEqual({ kind: 'present' });
    expect(await probeTrayHost('win32', {}, run)).toEqual({ kind: 'present' });
    expect(calls).toEqual([]);
  });
});
