import type { JobsEvent, StatusResult } from '../../protocol/index.js';
import type { Engine, Session } from '../engine/index.js';
import { digestJobsEvent, SeenChanges } from './job-digest.js';
import { NotificationBatcher, SYSTEM_CLOCK, type Clock, type NotificationSpec } from './notifications.js';
import { kindEnabled, noticeFor, type NotifyRules } from './notify-rules.js';
import { toggles, withToggle, type Preferences, type PreferencesStore } from './preferences.js';
import { Throttle } from './throttle.js';
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
  /**
   * Why this desktop shows no tray to hide the window into (tray-host.ts), or null when it does. Until the
   * first answer it is the caller's safe default; setTrayHostProblem() brings later answers.
   */
  trayHostProblem: string | null;
  /** macOS: offer the Dock preference. */
  dock: boolean;
  /** Makes the tray icon, whose menu reports clicks to `onAction`; null when this desktop shows no tray. */
  createIcon(onAction: (action: TrayAction) => void): TrayIconView | null;
  notifier: { show(spec: NotificationSpec): void; notice(title: string, body: string): void };
  /** Turns launch at login on or off (glue/login-item.ts); false when the OS refused. */
  setLoginItem(enabled: boolean): boolean;
  /** A preference changed that the host applies itself (the Dock icon). */
  onPreferencesChanged?(preferences: Preferences): void;
  showDashboard(route: string | null): void;
  dashboardFocused(): boolean;
  quitting: TrayQuitting;
  log(message: string): void;
  /** Timers for the notification batching and the redraw throttle (tests drive them by hand). */
  clock?: Clock;
  /** At most one redraw of the icon, tooltip and menu per this many ms (1000). */
  redrawMs?: number;
}

/** The notification rules from the preferences. */
export function notifyRules(p: Preferences): NotifyRules {
  return { dead: p.notifications.dead, requested: p.notifications.completed, longJobSeconds: p.notifications.longJobSeconds };
}

/**
 * The tray's side of the host: it holds the TrayState (tray-model.ts), is the tray's own client of the engine
 * (job events in, menu actions out), turns job ends into batched notifications (notify-rules.ts), and redraws
 * the icon after changes, at most about once a second. Electron-free: the icon and the notifier come in as
 * options.
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
  /** Redraws wait for this: a busy queue sends a JobsEvent every 100 ms; the tray is drawn about once a second. */
  private readonly redraw: Throttle;

  constructor(private readonly options: TrayControllerOptions) {
    const { engine, prefs } = options;
    const clock = options.clock ?? SYSTEM_CLOCK;
    this.current = initialTrayState(toggles(prefs.get()), {
      paused: engine.paused(),
      loginItemUnavailable: options.loginItemUnavailable,
      longJobSeconds: prefs.get().notifications.longJobSeconds,
      trayHostProblem: options.trayHostProblem,
      dock: options.dock,
    });
    this.icon = options.createIcon((action) => void this.act(action));
    this.redraw = new Throttle(() => this.icon?.render(this.current), options.redrawMs ?? 1000, clock);
    this.batcher = new NotificationBatcher({
      show: (spec) => options.notifier.show(spec),
      enabled: (kind) => kindEnabled(kind, notifyRules(prefs.get())),
      clock,
    });
  }

  get state(): TrayState {
    return this.current;
  }

  /** Whether the tray icon was made (Electron's Tray did not throw). */
  get iconCreated(): boolean {
    return this.icon !== null;
  }

  /** Whether closing the window may hide it into the tray: an icon exists and a tray host shows it. */
  get holdsWindow(): boolean {
    return this.icon !== null && this.current.trayHostProblem === null;
  }

  /** A (new) answer to "does this desktop show a tray?" (tray-host.ts). */
  setTrayHostProblem(problem: string | null): void {
    if (problem !== this.current.trayHostProblem) this.set({ ...this.current, trayHostProblem: problem });
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
   * SHUTTING_DOWN answers (noteAnswer) confirm it for a menu drawn before. Status is read at start, before each queue action from the
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
        // The OS may refuse a login item: then the preference keeps its old value and the user is told.
        if (action.key === 'launchAtLogin' && !this.options.setLoginItem(action.value)) {
          notifier.notice('Could not change launch at login', 'The system refused it; see the log for why.');
          return this.set({ ...this.current, toggles: toggles(prefs.get()) });
        }
        prefs.set(withToggle(prefs.get(), action.key, action.value));
        this.options.onPreferencesChanged?.(prefs.get());
        return this.set({ ...this.current, toggles: toggles(prefs.get()) });
      }
      case 'long-job': {
        const p = prefs.get();
        prefs.set({ ...p, notifications: { ...p.notifications, longJobSeconds: action.seconds } });
        return this.set({ ...this.current, longJobSeconds: action.seconds });
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
    this.redraw.cancel();
    this.icon?.destroy();
  }

  private set(next: TrayState): void {
    this.current = next;
    this.redraw.request();
  }

  private onJobsEvent(event: JobsEvent): void {
    const digest = digestJobsEvent(event, this.seen, this.current.counts.dead);
    let next = withJobsEvent(this.current, event, digest);
    if (this.options.dashboardFocused()) next = withSeen(next);
    this.set(next);
    const rules = notifyRules(this.options.prefs.get());
    for (const job of [...digest.newlyDead, ...digest.newlyCompleted]) {
      const kind = noticeFor(job, rules);
      if (kind) this.batcher.add(kind, job);
    }
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
