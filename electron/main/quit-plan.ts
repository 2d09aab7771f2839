import { formatDuration } from '../../protocol/index.js';

/**
 * What Quit does. With nothing running the engine stops at once. With jobs running the user chooses: wait
 * (the graceful stop: they get the configured stop_timeout_ms to finish, then are killed and requeued), stop
 * them now and requeue them (no attempt is spent either way), or cancel. While a stop is under way the tray
 * offers "Quit now", which shortens it to zero; closing the window then only hides it. OS shutdown, a signal
 * and `queuectl worker stop` never ask. quit-controller.ts carries these decisions out; they are pure so they
 * are tested.
 */

/** What engine.stop gets: no timeoutMs means the configured stop_timeout_ms. */
export interface StopOptions {
  timeoutMs?: number;
}

export type QuitChoice = 'wait' | 'requeue' | 'cancel';

export interface QuitPrompt {
  message: string;
  detail: string;
  /** Button labels in the order of QUIT_CHOICES. */
  buttons: string[];
  defaultId: number;
  cancelId: number;
}

export const QUIT_CHOICES: readonly QuitChoice[] = ['wait', 'requeue', 'cancel'];

/** The confirmation to show, or null when Quit needs none. */
export function quitPrompt(running: number, stopTimeoutMs: number): QuitPrompt | null {
  if (running <= 0) return null;
  const jobs = running === 1 ? '1 job is' : `${running} jobs are`;
  return {
    message: `${jobs} running. Quit queuectl?`,
    detail:
      `Wait: no new jobs start; running ones get up to ${formatDuration(stopTimeoutMs)} to finish, then are stopped and put back to pending.\n` +
      'Stop and requeue: running jobs are stopped now and put back to pending; they run again at the next start.',
    buttons: ['Wait for them', 'Stop and requeue', 'Cancel'],
    defaultId: 0,
    cancelId: 2,
  };
}

/** The engine.stop options for a choice; null for cancel. */
export function stopOptionsFor(choice: QuitChoice): StopOptions | null {
  switch (choice) {
    case 'wait':
      return {};
    case 'requeue':
      return { timeoutMs: 0 };
    case 'cancel':
      return null;
    default: {
      const never: never = choice;
      throw new Error(`unknown choice ${String(never)}`);
    }
  }
}

/**
 * Where a request to quit came from:
 * - 'menu': the tray's "Quit queuectl" (or the window's close when it does not hide to the tray);
 * - 'menu-now': the tray's "Quit now (requeue running jobs)", shown while a stop is under way;
 * - 'app-quit': Cmd+Q, SIGINT/SIGTERM, Playwright's close (Electron's before-quit);
 * - 'os-shutdown': the OS is shutting down or ending the session.
 */
export type QuitRequest = 'menu' | 'menu-now' | 'app-quit' | 'os-shutdown';

export type QuitStep =
  /** Ask (if jobs are running) with quitPrompt, then act on the answer with afterQuitChoice. */
  | { kind: 'ask' }
  | { kind: 'stop'; options: StopOptions }
  /** Nothing to do: the stop under way goes on as it is. */
  | { kind: 'none' };

/**
 * What a quit request does. `stopUnderWay`: the engine is stopping already (this app asked, or
 * `queuectl worker stop` did). Only an explicit "now" (the tray's Quit now, a second Cmd+Q or signal, like a
 * second signal to the daemon, or the OS shutting down) shortens a stop under way; a plain Quit from a menu
 * that was not yet redrawn asks again, and its "Wait" then changes nothing.
 */
export function quitStep(request: QuitRequest, stopUnderWay: boolean): QuitStep {
  switch (request) {
    case 'menu':
      return { kind: 'ask' };
    case 'menu-now':
    case 'os-shutdown':
      return { kind: 'stop', options: { timeoutMs: 0 } };
    case 'app-quit':
      return { kind: 'stop', options: stopUnderWay ? { timeoutMs: 0 } : {} };
    default: {
      const never: never = request;
      throw new Error(`unknown quit request ${String(never)}`);
    }
  }
}

/**
 * The stop to begin once the Quit dialog was answered (or was not needed: choice 'wait' with nothing running).
 * A stop may have begun while the dialog was open (`queuectl worker stop`, a signal): then "Wait" adds nothing
 * (a stop is never lengthened) and "Stop and requeue" still shortens it to zero, as the user asked.
 */
export function afterQuitChoice(choice: QuitChoice, stopUnderWay: boolean): StopOptions | null {
  const options = stopOptionsFor(choice);
  if (options === null) return null;
  if (stopUnderWay && options.timeoutMs === undefined) return null;
  return options;
}

export type CloseDecision =
  /** The engine has stopped and the app is quitting: let the window close. */
  | 'close'
  /** Hide to the tray (the user's preference); the first time, a notice says the app is still running. */
  | 'hide-to-tray'
  /** A stop is under way: just hide; the stop ends the app and destroys the window, never shortened by this. */
  | 'hide-while-stopping'
  /** No tray (or the preference is off): closing the window quits, as Quit from a menu would. */
  | 'quit';

export function closeDecision(state: { stopped: boolean; stopUnderWay: boolean; hasTray: boolean; closeToTray: boolean }): CloseDecision {
  if (state.stopped) return 'close';
  if (state.stopUnderWay) return 'hide-while-stopping';
  if (state.hasTray && state.closeToTray) return 'hide-to-tray';
  return 'quit';
}

/**
 * After the stop's own deadline, how long the app still waits for the engine to finish (kill and requeue, let
 * the workers go, final checkpoint) before it gives up and exits with status 1.
 */
export const STOP_WATCHDOG_GRACE_MS = 15_000;

/**
 * When the app must exit even if the engine has not stopped: the stop's timeout plus the grace, from `now`.
 * A later, shorter request brings it closer; nothing moves it further away.
 */
export function watchdogDeadline(current: number | null, now: number, stopTimeoutMs: number, graceMs = STOP_WATCHDOG_GRACE_MS): number {
  const next = now + Math.max(0, stopTimeoutMs) + graceMs;
  return current === null ? next : Math.min(current, next);
}
