import type { JobState, JobsEvent, QueueInfo, QueueStateEvent, RpcErrorObject, StatusResult } from '../../protocol/index.js';
import type { JobDigest } from './job-digest.js';
import { LONG_JOB_CHOICES, type ToggleKey } from './preferences.js';

/**
 * The tray as plain data: the state it shows, and functions from that state to the icon, the tooltip and
 * the context menu. glue/tray.ts turns the menu into an Electron Menu and sets it again after every change
 * (Linux's StatusNotifierItem shows a stale menu otherwise).
 */

export type TrayIcon = 'idle' | 'busy' | 'attention';

export interface TrayState {
  counts: Record<JobState, number>;
  /** Worker processes in the pool. */
  workers: number;
  /** Whether every queue is held (`queuectl pause`: no job starts; running ones go on). */
  paused: boolean;
  /** Named queues paused on their own (`pause --queue`, or pause-on-dead), by name. */
  pausedQueues: string[];
  /** Dead jobs that appeared since the user last opened the dashboard: the attention icon. */
  unseenDead: number;
  /**
   * A graceful stop is under way (Quit was chosen, or `queuectl worker stop`). The engine emits 'stopping'
   * when any stop begins (quit-controller.ts listens); a `status` read (withStatus) and a SHUTTING_DOWN answer
   * (withEngineAnswer) confirm it for a menu drawn before that.
   */
  stopping: boolean;
  toggles: Record<ToggleKey, boolean>;
  /** Why "Launch at login" cannot work in this run (login-item.ts), or null when it can. */
  loginItemUnavailable: string | null;
  /** The long-job notification threshold in seconds (preferences), or null when off. */
  longJobSeconds: number | null;
  /** Why the tray cannot hold the window (no StatusNotifier host: tray-host.ts), or null when it can. */
  trayHostProblem: string | null;
  /** macOS: the Dock preference is offered. */
  dock: boolean;
}

/** What initialTrayState needs beyond the toggles; each has a default that fits a desktop with a tray. */
export interface TrayContext {
  paused?: boolean;
  loginItemUnavailable?: string | null;
  longJobSeconds?: number | null;
  trayHostProblem?: string | null;
  dock?: boolean;
}

/** What a menu item does when clicked; tray-controller.ts maps each to the engine, the window or quitting. */
export type TrayAction =
  | { type: 'open'; route: string | null }
  | { type: 'pause-toggle' }
  | { type: 'workers'; count: number }
  | { type: 'retry-dead' }
  | { type: 'toggle'; key: ToggleKey; value: boolean }
  /** Preferences ▸ Notify when a job took longer than ▸ …; null: off. */
  | { type: 'long-job'; seconds: number | null }
  /** `now`: the "Quit now" shown while stopping, which shortens the stop to zero. */
  | { type: 'quit'; now?: boolean };

export type MenuSpec =
  | { kind: 'item'; label: string; enabled: boolean; action: TrayAction | null }
  | { kind: 'checkbox'; label: string; checked: boolean; enabled: boolean; action: TrayAction }
  | { kind: 'radio'; label: string; checked: boolean; enabled: boolean; action: TrayAction }
  | { kind: 'submenu'; label: string; enabled: boolean; items: MenuSpec[] }
  | { kind: 'separator' };

/** Worker counts offered in the Workers submenu (the setting allows more; a larger current value is listed too). */
export const WORKER_CHOICES = [1, 2, 3, 4, 5, 6, 7, 8] as const;

export const TOGGLE_LABELS: Record<ToggleKey, string> = {
  notifyDead: 'Notify when a job fails for good',
  notifyCompleted: 'Notify when a --notify job ends',
  launchAtLogin: 'Launch at login',
  closeToTray: 'Keep running in the tray when the window closes',
  hideDockIcon: 'Hide the Dock icon while the window is closed',
};

const ZERO_COUNTS: Record<JobState, number> = { pending: 0, processing: 0, completed: 0, failed: 0, dead: 0, canceled: 0 };

export function initialTrayState(toggles: Record<ToggleKey, boolean>, context: TrayContext = {}): TrayState {
  return {
    counts: { ...ZERO_COUNTS },
    workers: 0,
    paused: context.paused ?? false,
    pausedQueues: [],
    unseenDead: 0,
    stopping: false,
    toggles,
    loginItemUnavailable: context.loginItemUnavailable ?? null,
    longJobSeconds: context.longJobSeconds ?? null,
    trayHostProblem: context.trayHostProblem ?? null,
    dock: context.dock ?? false,
  };
}

const pausedNames = (queues: readonly QueueInfo[]): string[] => queues.filter((q) => q.paused).map((q) => q.name);

/** The state after a `status` answer (at start and after the tray's own changes). */
export function withStatus(state: TrayState, status: Pick<StatusResult, 'counts' | 'workers' | 'stopping' | 'paused' | 'queues'>): TrayState {
  return {
    ...state,
    counts: { ...status.counts },
    workers: status.workers.length,
    stopping: state.stopping || status.stopping,
    paused: status.paused,
    pausedQueues: pausedNames(status.queues),
  };
}

/** The state after a pause, resume or queue change from anywhere (the CLI, the dashboard, pause-on-dead). */
export function withQueueEvent(state: TrayState, event: QueueStateEvent): TrayState {
  return { ...state, paused: event.paused, pausedQueues: pausedNames(event.queues) };
}

/**
 * The state after any answer from the engine: SHUTTING_DOWN means a stop is under way. (The in-process
 * dispatch the tray uses answers it only where a handler checks for it; the socket answers it for everything.)
 */
export function withEngineAnswer(state: TrayState, answer: { result: unknown } | { error: RpcErrorObject }): TrayState {
  if ('error' in answer && isShuttingDown(answer.error) && !state.stopping) return { ...state, stopping: true };
  return state;
}

export function isShuttingDown(error: RpcErrorObject): boolean {
  const data = error.data as { code?: unknown } | undefined;
  return data?.code === 'SHUTTING_DOWN';
}

/**
 * Whether a tray action may still run in this state. A click can come from a menu drawn before the state
 * changed (a stop began, the login item turned out impossible): such a click is dropped, not carried out.
 */
export function actionAllowed(state: TrayState, action: TrayAction): boolean {
  switch (action.type) {
    case 'pause-toggle':
    case 'workers':
    case 'retry-dead':
      return !state.stopping;
    case 'toggle':
      if (action.key === 'launchAtLogin') return state.loginItemUnavailable === null;
      if (action.key === 'closeToTray') return state.trayHostProblem === null;
      if (action.key === 'hideDockIcon') return state.dock;
      return true;
    case 'long-job':
    case 'open':
    case 'quit':
      return true;
    default: {
      const never: never = action;
      throw new Error(`unknown tray action ${JSON.stringify(never)}`);
    }
  }
}

/** The state after a JobsEvent and what job-digest made of it. */
export function withJobsEvent(state: TrayState, event: JobsEvent, digest: JobDigest): TrayState {
  return {
    ...state,
    counts: { ...event.counts },
    workers: event.workers.length,
    unseenDead: state.unseenDead + digest.newlyDead.length + digest.uncountedDead,
  };
}

/** The user looked at the dashboard: dead jobs are no longer news. */
export function withSeen(state: TrayState): TrayState {
  return state.unseenDead === 0 ? state : { ...state, unseenDead: 0 };
}

/** Attention wins over busy: a new dead job is what the user must not miss. */
export function trayIcon(state: TrayState): TrayIcon {
  if (state.unseenDead > 0) return 'attention';
  if (state.counts.processing > 0) return 'busy';
  return 'idle';
}

/**
 * "3 running · 5 pending · 2 dead". Pending counts every job waiting to run, including failed jobs waiting
 * for their retry.
 */
export function countsLine(state: TrayState): string {
  const { processing, pending, failed, dead } = state.counts;
  return `${processing} running · ${pending + failed} pending · ${dead} dead`;
}

/**
 * The counts, then what holds jobs back: "· stopping", "· paused" (every queue), or "· gpu paused" /
 * "· 3 queues paused" (named queues paused on their own).
 */
export function trayTooltip(state: TrayState): string {
  const held = state.pausedQueues;
  const suffix = state.stopping
    ? ' · stopping'
    : state.paused
      ? ' · paused'
      : held.length === 1
        ? ` · ${held[0]} paused`
        : held.length > 1
          ? ` · ${held.length} queues paused`
          : '';
  return `${countsLine(state)}${suffix}`;
}

export function trayMenu(state: TrayState): MenuSpec[] {
  const live = !state.stopping;
  const menu: MenuSpec[] = [{ kind: 'item', label: trayTooltip(state), enabled: false, action: null }];
  if (state.unseenDead > 0) {
    menu.push({
      kind: 'item',
      label: `${state.unseenDead} new in the dead-letter queue`,
      enabled: true,
      action: { type: 'open', route: '#/dlq' },
    });
  }
  menu.push(
    { kind: 'separator' },
    { kind: 'item', label: 'Open dashboard', enabled: true, action: { type: 'open', route: null } },
    {
      kind: 'item',
      label: state.paused ? 'Resume all queues' : 'Pause all queues',
      enabled: live,
      action: { type: 'pause-toggle' },
    },
    { kind: 'submenu', label: 'Workers', enabled: live, items: workerItems(state, live) },
    {
      kind: 'item',
      label: state.counts.dead > 0 ? `Retry all dead (${state.counts.dead})` : 'Retry all dead',
      enabled: live && state.counts.dead > 0,
      action: { type: 'retry-dead' },
    },
    { kind: 'separator' },
    { kind: 'submenu', label: 'Preferences', enabled: true, items: preferenceItems(state) },
    { kind: 'separator' },
    state.stopping
      ? { kind: 'item', label: 'Quit now (requeue running jobs)', enabled: true, action: { type: 'quit', now: true } }
      : { kind: 'item', label: 'Quit queuectl', enabled: true, action: { type: 'quit' } },
  );
  return menu;
}

/**
 * One checkbox per preference; its action sets the opposite value. A preference that cannot work here is
 * disabled, unchecked, with the reason in its label: "Launch at login" (login-item.ts loginItemUnavailable),
 * "Keep running in the tray" without a tray host (tray-host.ts). The Dock preference is macOS only. Then the
 * long-job threshold as a submenu of choices.
 */
function preferenceItems(state: TrayState): MenuSpec[] {
  const items: MenuSpec[] = [];
  for (const key of Object.keys(TOGGLE_LABELS) as ToggleKey[]) {
    if (key === 'hideDockIcon' && !state.dock) continue;
    const unavailable = key === 'launchAtLogin' ? state.loginItemUnavailable : key === 'closeToTray' ? state.trayHostProblem : null;
    if (unavailable !== null) {
      items.push({ kind: 'checkbox', label: `${TOGGLE_LABELS[key]} (${unavailable})`, checked: false, enabled: false, action: { type: 'toggle', key, value: true } });
      continue;
    }
    items.push({ kind: 'checkbox', label: TOGGLE_LABELS[key], checked: state.toggles[key], enabled: true, action: { type: 'toggle', key, value: !state.toggles[key] } });
  }
  const choices: Array<number | null> = [null, ...LONG_JOB_CHOICES];
  if (state.longJobSeconds !== null && !choices.includes(state.longJobSeconds)) choices.push(state.longJobSeconds);
  items.push({
    kind: 'submenu',
    label: LONG_JOB_LABEL,
    enabled: true,
    items: choices.map((seconds) => ({
      kind: 'radio' as const,
      label: seconds === null ? 'Off' : thresholdLabel(seconds),
      checked: seconds === state.longJobSeconds,
      enabled: true,
      action: { type: 'long-job' as const, seconds },
    })),
  });
  return items;
}

export const LONG_JOB_LABEL = 'Notify when any job took longer than';

/** 60 → "1 min", 3600 → "1 hour", 90 → "90 s". */
export function thresholdLabel(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} ${seconds === 3600 ? 'hour' : 'hours'}`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function workerItems(state: TrayState, live: boolean): MenuSpec[] {
  const choices: number[] = [...WORKER_CHOICES];
  if (state.workers > WORKER_CHOICES[WORKER_CHOICES.length - 1]!) choices.push(state.workers);
  return choices.map((count) => ({
    kind: 'radio' as const,
    label: String(count),
    checked: count === state.workers,
    enabled: live,
    action: { type: 'workers' as const, count },
  }));
}
