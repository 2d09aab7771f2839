import type { JobsEvent, StatusResult } from '../../protocol/index.js';
import type { Engine, Session } from '../engine/index.js';
import { digestJobsEvent, SeenChanges } from './job-digest.js';
import { NotificationBatcher, type NotificationSpec } from './notifications.js';
import { toggles, withToggle, type PreferencesStore } from './preferences.js';
import type { QuitRequest } from './quit-plan.js';
import {
  actionAllowed,
  initialTrayState,
  withEngineAnswer,
  withJobsEvent,
  withQueueEvent,
  withSeen,
  withStatus,
  type TrayAction,
  type TrayState,
} from './tray-model.js';

/** Where the tray is drawn: glue/tray.ts's TrayView. */
export interface TrayIconView {
  render(state: TrayState): void;
  destroy(): void;
}

/** What the tray needs from quitting (quit-controller.ts). */
export interface TrayQuitting {
  /** The host is torn down: the tray does nothing more. */
  stopped(): boolean;
  /** The menu's Quit and Quit now. */
  request(request: QuitRequest): Promise<void>;
  /** A status read says the engine is stopping (`queuectl worker stop`). */
  engineStopping(): void;
}

export interface TrayControllerOptions {
  engine: Pick<Engine, 'dispatch' | 'paused' | 'setPaused'>;
  prefs: PreferencesStore;
  /** Why "Launch at login" cannot work in this run (login-item.ts), or null when it can. */
  loginItemUnavailable: string | null;
  /** Makes the tray icon, whose menu reports clicks to `onAction`; null when this desktop shows no tray. */
  createIcon(onAction: (action: TrayAction) => void): TrayIconView | null;
  notifier: { show(spec: NotificationSpec): void; notice(title: string, body: string): void };
  /** Turns launch at login on or off (glue/login-item.ts). */
  setLoginItem(enabled: boolean): void;
  showDashboard(route: string | null): void;
  dashboardFocused(): boolean;
  quitting: TrayQuitting;
  log(message: string): void;
}

/**
 * The tray's side of the host: it holds the TrayState (tray-model.ts), is the tray's own client of the engine
 * (job events in, menu actions out), turns new dead jobs into batched notifications, and redraws the icon on
 * every change. Electron-free: the icon and the notifier come in as options.
 */
export class TrayController {
  /** The tray's own client of the engine: job events in, tray actions out. */
  readonly session: Session = {
    push: (event) => {
      if (event.type === 'jobs') this.onJobsEvent(event);
      if (event.type === 'queue') this.set(withQueueEvent(this.current, event));
    },
  };
  private current: TrayState;
  private readonly icon: TrayIconView | null;
  private readonly batcher: NotificationBatcher;
  private readonly seen = new SeenChanges();

  constructor(private readonly options: TrayControllerOptions) {
    const { engine, prefs } = options;
    this.current = initialTrayState(toggles(prefs.get()), engine.paused(), options.loginItemUnavailable);
    this.icon = options.createIcon((action) => void this.act(action));
    this.batcher = new NotificationBatcher({
      show: (spec) => options.notifier.show(spec),
      enabled: (kind) => (kind === 'dead' ? prefs.get().notifications.dead : prefs.get().notifications.completed),
    });
  }

  get state(): TrayState {
    return this.current;
  }

  /** Whether this desktop shows the tray icon (without one, closing the window quits). */
  get hasIcon(): boolean {
    return this.icon !== null;
  }

  /** Subscribes to job events, reads status and draws the tray for the first time. */
  async start(): Promise<void> {
    await this.options.engine.dispatch(this.session, 'events.subscribe', { jobs: true });
    await this.refreshStatus();
    this.set(this.current);
  }

  /** The user is looking at the dashboard: the dead jobs so far are seen. */
  markSeen(): void {
    this.set(withSeen(this.current));
  }

  /** A stop is under way (quit-controller.ts decides when). */
  showStopping(): void {
    this.set({ ...this.current, stopping: true });
  }

  /**
   * Reads status: counts, workers, paused, and whether the engine is stopping. A stop the tray did not ask
   * for (`queuectl worker stop`) arrives as the engine's 'stopping' event (quit-controller.ts); status and
   * SHUTTING_DOWN answers (noteAnswer) confirm it. Status is read at start, before each queue action from the
   * menu (so a click on a menu drawn before the stop began is dropped) and after the tray's own changes.
   * Nothing is polled.
   */
  async refreshStatus(): Promise<void> {
    if (this.options.quitting.stopped()) return;
    const status = await this.options.engine.dispatch(this.session, 'status', {});
    if (!('result' in status)) return this.noteAnswer(status);
    const result = status.result as StatusResult;
    this.set(withStatus(this.current, result));
    if (result.stopping) this.options.quitting.engineStopping();
  }

  /** Runs a menu action (also what the e2e hook's `act` runs). */
  async act(action: TrayAction): Promise<void> {
    const { engine, prefs, notifier, quitting } = this.options;
    if (quitting.stopped()) return;
    // The menu may have been drawn before a stop began: queue actions check status first.
    if (action.type === 'pause-toggle' || action.type === 'workers' || action.type === 'retry-dead') await this.refreshStatus();
    if (!actionAllowed(this.current, action)) {
      this.options.log(`tray: ${action.type} ignored (${this.current.stopping ? 'the queue is stopping' : (this.current.loginItemUnavailable ?? 'not available')})`);
      return;
    }
    switch (action.type) {
      case 'open':
        return this.options.showDashboard(action.route);
      case 'pause-toggle':
        // The same switch as `queuectl pause`; the 'queue' event updates the tray.
        return engine.setPaused(!engine.paused());
      case 'workers': {
        const answer = await engine.dispatch(this.session, 'config.set', { key: 'workers', value: action.count });
        this.noteAnswer(answer);
        if ('error' in answer) notifier.notice('Could not change the workers', answer.error.message);
        return this.refreshStatus();
      }
      case 'retry-dead': {
        const answer = await engine.dispatch(this.session, 'dlq.retry', { all: true });
        this.noteAnswer(answer);
        if ('error' in answer) notifier.notice('Could not retry the dead jobs', answer.error.message);
        return this.refreshStatus();
      }
      case 'toggle': {
        prefs.set(withToggle(prefs.get(), action.key, action.value));
        if (action.key === 'launchAtLogin') this.options.setLoginItem(action.value);
        return this.set({ ...this.current, toggles: toggles(prefs.get()) });
      }
      case 'quit':
        return quitting.request(action.now ? 'menu-now' : 'menu');
      default: {
        const never: never = action;
        throw new Error(`unknown tray action ${JSON.stringify(never)}`);
      }
    }
  }

  /** Drops the notifications still held back (quitting). */
  stopNotifying(): void {
    this.batcher.dispose();
  }

  /** Removes the tray icon (quitting). */
  destroy(): void {
    this.icon?.destroy();
  }

  private set(next: TrayState): void {
    this.current = next;
    this.icon?.render(this.current);
  }

  private onJobsEvent(event: JobsEvent): void {
    const digest = digestJobsEvent(event, this.seen, this.current.counts.dead);
    let next = withJobsEvent(this.current, event, digest);
    if (this.options.dashboardFocused()) next = withSeen(next);
    this.set(next);
    for (const job of digest.newlyDead) this.batcher.add('dead', job);
    for (const job of digest.completedToNotify) this.batcher.add('completed', job);
  }

  /**
   * Any engine answer: SHUTTING_DOWN means a stop is under way. The stop itself is then watched only once
   * status confirms it (engineStopping must never be what starts one).
   */
  private noteAnswer(answer: Awaited<ReturnType<Engine['dispatch']>>): void {
    const next = withEngineAnswer(this.current, answer);
    if (next === this.current) return;
    this.set(next);
    void this.refreshStatus();
  }
}
