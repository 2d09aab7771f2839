import { constants } from 'node:os';
import type { QuitRequest } from './quit-plan.js';

/**
 * SIGINT, SIGTERM and SIGHUP in the desktop app's main process, handled as the headless daemon handles them:
 * the first starts the graceful stop (running jobs finish within stop_timeout_ms, or are requeued), the second
 * shortens it to zero (kill and requeue now), a third exits at once (the next start recovers what was left).
 *
 * Why main must handle them itself: Chromium installs one-shot handlers (electron
 * shell/browser/electron_browser_main_parts_posix.cc, GracefulShutdownHandler resets the signal to SIG_DFL
 * and calls Browser::Quit), so the first signal becomes a quit and the second kills main outright, leaving
 * jobs running and the database unchecked. They are installed in PostCreateMainMessageLoop, after the main
 * script has run and before 'ready'; Node's process.on() installs libuv's own sigaction when its first
 * listener for that signal is added, so listeners added once the app is ready replace Chromium's and see
 * every signal. Before then (the first moments of start-up) Chromium's quit applies.
 */

export const HANDLED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type HandledSignal = (typeof HANDLED_SIGNALS)[number];

export type SignalStep =
  /** Ask quitting for a stop: the first is graceful, the next (a stop under way) shortens it to zero. */
  | { kind: 'quit'; request: QuitRequest; said: string }
  /** Exit at once with this status (128 + the signal's number, as a shell reports a death by signal). */
  | { kind: 'exit'; code: number; said: string };

/** What the `count`-th signal (1-based) does; `engineRunning`: the engine has started and is not stopped. */
export function signalStep(signal: HandledSignal, count: number, engineRunning: boolean): SignalStep {
  const code = 128 + (constants.signals[signal] ?? 15);
  if (!engineRunning) return { kind: 'exit', code, said: `${signal} before the queue started: exiting` };
  if (count === 1) return { kind: 'quit', request: 'app-quit', said: `${signal}: stopping gracefully (send again to kill and requeue running jobs)` };
  if (count === 2) return { kind: 'quit', request: 'app-quit', said: `${signal}: killing and requeuing running jobs` };
  return { kind: 'exit', code, said: `${signal} again: exiting now; the next start requeues what was running` };
}

export interface SignalDeps {
  on(signal: HandledSignal, listener: () => void): void;
  engineRunning(): boolean;
  request(request: QuitRequest): void;
  exit(code: number): void;
  log(message: string): void;
}

/** Installs the listeners (call once Electron is ready, see above). */
export function handleSignals(deps: SignalDeps): void {
  let count = 0;
  for (const signal of HANDLED_SIGNALS) {
    deps.on(signal, () => {
      count++;
      const step = signalStep(signal, count, deps.engineRunning());
      deps.log(step.said);
      if (step.kind === 'quit') deps.request(step.request);
      else deps.exit(step.code);
    });
  }
}
