import { defaultConfig, formatDuration, type StatusResult } from '../../protocol/index.js';
import type { Engine } from '../engine/index.js';
import { describe } from './log.js';
import type { PreferencesStore } from './preferences.js';
import {
  afterQuitChoice,
  closeDecision,
  QUIT_CHOICES,
  quitPrompt,
  quitStep,
  STOP_WATCHDOG_GRACE_MS,
  watchdogDeadline,
  type QuitChoice,
  type QuitPrompt,
  type QuitRequest,
  type StopOptions,
} from './quit-plan.js';
import type { TrayController } from './tray-controller.js';

export interface QuitControllerOptions {
  engine: Pick<Engine, 'dispatch' | 'stop' | 'stopped' | 'events'>;
  /** Shows the stop, and is the client the quit logic reads status and config through. */
  tray: Pick<TrayController, 'state' | 'session' | 'holdsWindow' | 'showStopping'>;
  prefs: PreferencesStore;
  notifier: { notice(title: string, body: string): void };
  /** Shows the Quit dialog (glue/quit-dialog.ts); resolves to the index of the button chosen. */
  ask(prompt: QuitPrompt): Promise<number>;
  /** Closes what the host opened: notifications, IPC, the tray, the window. */
  teardown(): void;
  /** Electron's app: quit() once the engine has stopped, exit(1) after a failed or hung stop. */
  app: { quit(): void; exit(code: number): void };
  log(message: string): void;
}

/**
 * Quitting, whoever asks: the tray's Quit, the window's close, Cmd+Q or a signal (before-quit), the OS ending
 * the session, or `queuectl worker stop` (learnt from the engine). quit-plan.ts decides what each request
 * does; this carries it out: it starts or shortens the engine's stop, asks when jobs are running, arms the
 * watchdog, and tears the host down and quits once the stop has ended or failed. Electron-free: the dialog and
 * the app come in as options.
 */
export class QuitController {
  /** This app began a stop (Quit, Cmd+Q, a signal, the OS ending the session). */
  private stopRequested = false;
  /** The stop's promise has our handlers: the app quits when it ends, fails or times out. */
  private stopWatched = false;
  /** Torn down; quitting. */
  private tornDown = false;
  private watchdogAt: number | null = null;
  private watchdogTimer: ReturnType<typeof setTimeout> | null = null;
  private quitDialogOpen = false;

  constructor(private readonly options: QuitControllerOptions) {}

  /** Torn down; quitting: nothing else may start. */
  get stopped(): boolean {
    return this.tornDown;
  }

  /** Quits once the engine has stopped, and notices a stop this app did not ask for (`queuectl worker stop`). */
  watchEngine(): void {
    this.options.engine.events.once('stopping', () => this.noticeEngineStopping());
    void this.options.engine.stopped.then(() => this.finish(false));
  }

  async request(request: QuitRequest): Promise<void> {
    if (this.tornDown) return;
    const { engine, tray } = this.options;
    const step = quitStep(request, this.stopUnderWay());
    if (step.kind === 'stop') return this.beginStop(step.options);
    if (step.kind === 'none' || this.quitDialogOpen) return;
    const status = await engine.dispatch(tray.session, 'status', {});
    const result = 'result' in status ? (status.result as StatusResult) : null;
    if (result?.stopping) this.noticeEngineStopping();
    const running = result ? result.counts.processing : tray.state.counts.processing;
    const prompt = quitPrompt(running, await this.configuredStopTimeout());
    let choice: QuitChoice = 'wait';
    if (prompt) {
      this.quitDialogOpen = true;
      try {
        const response = await this.options.ask(prompt);
        choice = QUIT_CHOICES[response] ?? 'cancel';
      } finally {
        this.quitDialogOpen = false;
      }
    }
    if (this.tornDown) return;
    // A stop may have begun while the dialog was open: "Stop and requeue" still shortens it, "Wait" adds nothing.
    const stopOptions = afterQuitChoice(choice, this.stopUnderWay());
    if (stopOptions) this.beginStop(stopOptions);
  }

  /** The user closes the dashboard window: what the window does (glue/window.ts). */
  closeRequest(): 'hide' | 'quit' | 'close' {
    const { prefs } = this.options;
    const decision = closeDecision({ stopped: this.tornDown, stopUnderWay: this.stopUnderWay(), hasTray: this.options.tray.holdsWindow, closeToTray: prefs.get().closeToTray });
    switch (decision) {
      case 'close':
        return 'close';
      case 'hide-while-stopping':
        // The stop under way ends the app and destroys the window; closing it never shortens the stop.
        return 'hide';
      case 'hide-to-tray':
        if (!prefs.get().closeNoticeShown) {
          this.options.notifier.notice('queuectl is still running', 'Jobs keep running in the tray. Quit from the tray menu.');
          prefs.set({ ...prefs.get(), closeNoticeShown: true });
        }
        return 'hide';
      case 'quit':
        void this.request('menu');
        return 'quit';
      default: {
        const never: never = decision;
        throw new Error(`unknown close decision ${String(never)}`);
      }
    }
  }

  /** Windows: the OS is ending the session (the window's 'session-end'). */
  sessionEnding(reasons: string[]): void {
    this.options.log(`the session is ending (${reasons.join(', ') || 'no reason given'}): stopping now, requeuing running jobs`);
    void this.request('os-shutdown');
  }

  /**
   * A stop is under way, whoever began it (this app, `queuectl worker stop`): the tray shows it, and the app
   * quits once the stop has ended, with status 1 if it failed. A stop the app did not begin is watched through
   * `engine.stop()` with no time limit (a later call only ever brings the deadline closer, so this changes
   * nothing) because `engine.stopped` does not say whether the stop failed. Deferred: the engine emits
   * 'stopping' from inside its own stop(), before that stop's promise exists. The time limit of a stop the
   * CLI began is the CLI's business: `worker stop` gives up after its own timeout.
   */
  noticeEngineStopping(): void {
    if (this.tornDown) return;
    if (!this.options.tray.state.stopping) this.options.tray.showStopping();
    queueMicrotask(() => {
      if (!this.tornDown) this.watchStop(this.options.engine.stop({ timeoutMs: Number.POSITIVE_INFINITY }));
    });
  }

  /** A stop is under way: this app's, or one it learnt of (`queuectl worker stop`). */
  private stopUnderWay(): boolean {
    return this.stopRequested || this.options.tray.state.stopping;
  }

  private beginStop(stopOptions: StopOptions): void {
    if (this.tornDown) return;
    this.stopRequested = true;
    this.options.tray.showStopping();
    this.watchStop(this.options.engine.stop(stopOptions));
    if (stopOptions.timeoutMs !== undefined) this.armWatchdog(stopOptions.timeoutMs);
    else void this.configuredStopTimeout().then((ms) => this.armWatchdog(ms));
  }

  /** Quits when the stop ends, and also when it fails: before-quit must not keep waiting for it. */
  private watchStop(stop: Promise<void>): void {
    if (this.stopWatched) {
      // The engine hands every caller the one stop under way, already watched: its failure is handled there.
      stop.catch(() => undefined);
      return;
    }
    this.stopWatched = true;
    stop
      .catch((err: unknown) => {
        this.options.log(`the engine's stop failed: ${describe(err)}; quitting anyway (the next start recovers what it left)`);
        return 'failed' as const;
      })
      .then((outcome) => this.finish(outcome === 'failed'))
      .catch((err: unknown) => this.options.log(`quitting failed: ${describe(err)}`));
  }

  /** The last resort: the stop's timeout plus a grace period, then exit 1 whatever the engine is doing. */
  private armWatchdog(stopTimeoutMs: number): void {
    if (this.tornDown) return;
    const deadline = watchdogDeadline(this.watchdogAt, Date.now(), stopTimeoutMs);
    if (deadline === this.watchdogAt) return;
    this.watchdogAt = deadline;
    if (this.watchdogTimer) clearTimeout(this.watchdogTimer);
    const allowed = `${formatDuration(stopTimeoutMs)} + ${formatDuration(STOP_WATCHDOG_GRACE_MS)}`;
    this.watchdogTimer = setTimeout(() => {
      this.options.log(`the engine did not stop within ${allowed}; exiting with status 1 (the next start recovers interrupted jobs)`);
      this.options.app.exit(1);
    }, Math.max(0, deadline - Date.now()));
  }

  private async configuredStopTimeout(): Promise<number> {
    const answer = await this.options.engine.dispatch(this.options.tray.session, 'config.get', { key: 'stop_timeout_ms' }).catch(() => null);
    const value = answer && 'result' in answer ? (answer.result as { entry: { value: unknown } }).entry.value : null;
    return typeof value === 'number' ? value : defaultConfig().stop_timeout_ms;
  }

  /** Tears the host down and quits; after a failed stop with status 1. Runs once. */
  private finish(failed: boolean): void {
    if (this.tornDown) return;
    this.tornDown = true;
    if (this.watchdogTimer) clearTimeout(this.watchdogTimer);
    this.options.teardown();
    if (failed) this.options.app.exit(1);
    else this.options.app.quit();
  }
}
