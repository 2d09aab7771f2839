import { describe, expect, it } from 'vitest';
import { parseAppArgs } from '../../electron/main/app-args.js';
import {
  absoluteHome,
  appMenuRoles,
  appUserModelId,
  dialogParentUsable,
  dockAction,
  PACKAGED_APP_ID,
  trayClickOpensDashboard,
} from '../../electron/main/platform.js';
import { SecondLaunches } from '../../electron/main/second-launch.js';
import { handleSignals, signalStep, type HandledSignal } from '../../electron/main/signals.js';
import { abortStart } from '../../electron/main/start-guard.js';

describe('start-up per platform', () => {
  it('a relative QUEUECTL_HOME is made absolute against the start directory before app.setPath', () => {
    expect(absoluteHome('data/q', '/home/me')).toBe('/home/me/data/q');
    expect(absoluteHome('/srv/q', '/home/me')).toBe('/srv/q');
    expect(absoluteHome('', '/home/me')).toBeUndefined();
    expect(absoluteHome(undefined, '/home/me')).toBeUndefined();
  });

  it('Windows: the AppUserModelID is the packaged app id, or the executable during development', () => {
    expect(appUserModelId(true, 'C:\\x\\electron.exe')).toBe(PACKAGED_APP_ID);
    expect(appUserModelId(false, 'C:\\x\\electron.exe')).toBe('C:\\x\\electron.exe');
  });

  it('no default menu (Reload, DevTools) on Windows and Linux; macOS keeps app, Edit and Window menus', () => {
    expect(appMenuRoles('win32')).toBeNull();
    expect(appMenuRoles('linux')).toBeNull();
    expect(appMenuRoles('darwin')).toEqual(['appMenu', 'editMenu', 'windowMenu']);
  });

  it('a tray click opens the dashboard on Windows and Linux only (macOS opens the menu on click)', () => {
    expect(trayClickOpensDashboard('darwin')).toBe(false);
    expect(trayClickOpensDashboard('win32')).toBe(true);
    expect(trayClickOpensDashboard('linux')).toBe(true);
  });

  it('macOS Dock: shown with the window, hidden without it when preferred and the tray exists', () => {
    const mac = { platform: 'darwin' as const, hidePreference: true, trayShown: true };
    expect(dockAction({ ...mac, windowVisible: true })).toBe('show');
    expect(dockAction({ ...mac, windowVisible: false })).toBe('hide');
    expect(dockAction({ ...mac, windowVisible: false, hidePreference: false })).toBe('show');
    expect(dockAction({ ...mac, windowVisible: false, trayShown: false })).toBe('show');
    expect(dockAction({ ...mac, platform: 'linux', windowVisible: false })).toBe('none');
  });

  it('the Quit dialog is a sheet only of a window on screen', () => {
    expect(dialogParentUsable({ exists: true, visible: true, minimized: false })).toBe(true);
    expect(dialogParentUsable({ exists: true, visible: false, minimized: false })).toBe(false);
    expect(dialogParentUsable({ exists: true, visible: true, minimized: true })).toBe(false);
    expect(dialogParentUsable({ exists: false, visible: true, minimized: false })).toBe(false);
  });

  it('a second launch during start-up is kept (the latest wins) and shown once the window can be', () => {
    const launches = new SecondLaunches();
    const shown: Array<string | null> = [];
    launches.request(null);
    launches.request(parseAppArgs(['--show=#/dlq']).show || null);
    expect(launches.waiting).toBe(true);
    launches.ready((route) => shown.push(route));
    expect(shown).toEqual(['#/dlq']);
    launches.request(null);
    expect(shown).toEqual(['#/dlq', null]);
  });

  it('a failure after the engine started: reason logged, engine stopped at once, exit 1', async () => {
    const log: string[] = [];
    const exits: number[] = [];
    const stops: number[] = [];
    await abortStart(new Error('Tray exploded'), { stop: async (o) => void stops.push(o.timeoutMs) }, { log: (m) => log.push(m), exit: (c) => exits.push(c) });
    expect(log[0]).toMatch(/^queuectl: could not start: Error: Tray exploded/);
    expect(stops).toEqual([0]);
    expect(exits).toEqual([1]);
  });

  it('a failure whose engine stop hangs or throws still exits 1, saying so', async () => {
    const log: string[] = [];
    const exits: number[] = [];
    await abortStart('x', { stop: () => new Promise(() => undefined) }, { log: (m) => log.push(m), exit: (c) => exits.push(c), stopWaitMs: 10 });
    await abortStart('y', { stop: async () => Promise.reject(new Error('locked')) }, { log: (m) => log.push(m), exit: (c) => exits.push(c) });
    expect(exits).toEqual([1, 1]);
    expect(log.join('\n')).toMatch(/did not stop in time[\s\S]*stopping the engine failed: Error: locked/);
  });
});

describe('signals in main', () => {
  it('first: graceful stop; second: kill and requeue now; third: exit at once', () => {
    expect(signalStep('SIGTERM', 1, true)).toMatchObject({ kind: 'quit', request: 'app-quit' });
    expect(signalStep('SIGINT', 2, true)).toMatchObject({ kind: 'quit', request: 'app-quit', said: expect.stringContaining('requeuing') });
    expect(signalStep('SIGINT', 3, true)).toMatchObject({ kind: 'exit', code: 130 });
    expect(signalStep('SIGTERM', 1, false)).toMatchObject({ kind: 'exit', code: 143 });
  });

  it('SIGINT, SIGTERM and SIGHUP are all handled and counted together', () => {
    const listeners = new Map<HandledSignal, () => void>();
    const requests: string[] = [];
    const exits: number[] = [];
    handleSignals({ on: (s, l) => listeners.set(s, l), engineRunning: () => true, request: (r) => requests.push(r), exit: (c) => exits.push(c), log: () => undefined });
    expect([...listeners.keys()]).toEqual(['SIGINT', 'SIGTERM', 'SIGHUP']);
    listeners.get('SIGTERM')!();
    listeners.get('SIGINT')!();
    listeners.get('SIGHUP')!();
    expect(requests).toEqual(['app-quit', 'app-quit']);
    expect(exits).toEqual([129]);
  });
});
