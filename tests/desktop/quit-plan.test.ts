import { describe, expect, it } from 'vitest';
import {
  afterQuitChoice,
  closeDecision,
  quitStep,
  STOP_WATCHDOG_GRACE_MS,
  watchdogDeadline,
  type QuitRequest,
} from '../../electron/main/quit-plan.js';

/**
 * What each way of quitting does (index.ts carries it out): who may shorten a stop under way, what the
 * window's close does meanwhile, the Quit dialog's answer when a stop began while it was open, and when the
 * app gives up on a stop that hangs.
 */
describe('quitting', () => {
  it('closing the window while a stop is under way only hides it; it never quits or shortens the stop', () => {
    // The bug: Quit → "Wait for them", then the window's X killed every running job without asking.
    for (const hasTray of [true, false]) {
      for (const closeToTray of [true, false]) {
        expect(closeDecision({ stopped: false, stopUnderWay: true, hasTray, closeToTray })).toBe('hide-while-stopping');
      }
    }
  });

  it('otherwise the window hides to the tray when it can, else quits (asking first); once stopped it closes', () => {
    expect(closeDecision({ stopped: false, stopUnderWay: false, hasTray: true, closeToTray: true })).toBe('hide-to-tray');
    expect(closeDecision({ stopped: false, stopUnderWay: false, hasTray: true, closeToTray: false })).toBe('quit');
    expect(closeDecision({ stopped: false, stopUnderWay: false, hasTray: false, closeToTray: true })).toBe('quit');
    expect(closeDecision({ stopped: true, stopUnderWay: true, hasTray: true, closeToTray: true })).toBe('close');
    expect(quitStep('menu', false)).toEqual({ kind: 'ask' });
  });

  it('only an explicit "now" shortens a stop under way: Quit now, a second Cmd+Q or signal, the OS ending the session', () => {
    const under = (r: QuitRequest) => quitStep(r, true);
    expect(under('menu-now')).toEqual({ kind: 'stop', options: { timeoutMs: 0 } });
    expect(under('app-quit')).toEqual({ kind: 'stop', options: { timeoutMs: 0 } });
    expect(under('os-shutdown')).toEqual({ kind: 'stop', options: { timeoutMs: 0 } });
    // A plain Quit from a menu drawn before the stop began asks; its "Wait" then changes nothing.
    expect(under('menu')).toEqual({ kind: 'ask' });
    expect(afterQuitChoice('wait', true)).toBeNull();
  });

  it('with no stop under way: Cmd+Q or a signal stops gracefully, the OS ending the session requeues at once', () => {
    expect(quitStep('app-quit', false)).toEqual({ kind: 'stop', options: {} });
    expect(quitStep('os-shutdown', false)).toEqual({ kind: 'stop', options: { timeoutMs: 0 } });
    expect(quitStep('menu-now', false)).toEqual({ kind: 'stop', options: { timeoutMs: 0 } });
  });

  it('the dialog\'s answer counts even if a stop began while it was open: "Stop and requeue" shortens it to zero', () => {
    expect(afterQuitChoice('requeue', true)).toEqual({ timeoutMs: 0 });
    expect(afterQuitChoice('requeue', false)).toEqual({ timeoutMs: 0 });
    expect(afterQuitChoice('wait', false)).toEqual({});
    expect(afterQuitChoice('cancel', false)).toBeNull();
    expect(afterQuitChoice('cancel', true)).toBeNull();
  });

  it('the watchdog fires the stop timeout plus the grace after the request; a shorter request brings it closer, never further', () => {
    expect(STOP_WATCHDOG_GRACE_MS).toBe(15_000);
    const first = watchdogDeadline(null, 1_000, 60_000);
    expect(first).toBe(1_000 + 60_000 + 15_000);
    // "Quit now" 10 s later: 0 + grace from then.
    expect(watchdogDeadline(first, 11_000, 0)).toBe(11_000 + 15_000);
    // A later, longer request does not move it away.
    expect(watchdogDeadline(first, 2_000, 3_600_000)).toBe(first);
    expect(watchdogDeadline(null, 0, -5)).toBe(15_000);
  });
});
