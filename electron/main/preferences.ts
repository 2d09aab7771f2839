import { parseStoreChoice, STORE_ENV, storeChoiceText } from '../../protocol/index.js';

/**
 * The desktop app's own preferences, kept by electron-store in <home>/desktop/preferences.json. They are
 * about this machine's app only; queue config (retries, workers, timeouts) stays in the database, where the
 * CLI and the dashboard edit the same values.
 */

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Preferences {
  notifications: {
    /** A job moved to the dead-letter queue. */
    dead: boolean;
    /** A job enqueued with --notify ended (completed or dead). The key keeps its first name for old files. */
    completed: boolean;
    /** Notify when any job whose run took at least this many seconds ends; null: off (the default). */
    longJobSeconds: number | null;
  };
  launchAtLogin: boolean;
  /** Closing the window hides it to the tray (true) or quits the app (false). */
  closeToTray: boolean;
  /** macOS: hide the Dock icon while the dashboard window is not shown (only the menu-bar icon is). */
  hideDockIcon: boolean;
  /** The one-time "still running in the tray" notice was shown. */
  closeNoticeShown: boolean;
  /** Where the window was last; null until it first moved or closed. */
  windowBounds: Bounds | null;
  /**
   * The store this app starts on: `sqlite` or a PostgreSQL URL (checked by protocol/store-choice.ts); null:
   * whatever the home remembers. Read at start-up only: a change takes effect at the next start.
   */
  store: string | null;
}

/** Where the preferences are kept (glue/preferences-store.ts); reads come from memory, so they are cheap. */
export interface PreferencesStore {
  get(): Preferences;
  set(preferences: Preferences): void;
}

export const DEFAULT_PREFERENCES: Preferences = {
  notifications: { dead: true, completed: true, longJobSeconds: null },
  launchAtLogin: false,
  closeToTray: true,
  hideDockIcon: true,
  closeNoticeShown: false,
  windowBounds: null,
  store: null,
};

/**
 * Preferences from whatever the store holds: every known key with the right type is kept, anything else
 * falls back to its default (a file from an older version lacks new keys; a hand-edited one may be wrong).
 */
export function normalizePreferences(raw: unknown): Preferences {
  const r = isRecord(raw) ? raw : {};
  const n = isRecord(r.notifications) ? r.notifications : {};
  const flag = (value: unknown, fallback: boolean): boolean => (typeof value === 'boolean' ? value : fallback);
  const d = DEFAULT_PREFERENCES;
  return {
    notifications: {
      dead: flag(n.dead, d.notifications.dead),
      completed: flag(n.completed, d.notifications.completed),
      longJobSeconds: isLongJobSeconds(n.longJobSeconds) ? n.longJobSeconds : d.notifications.longJobSeconds,
    },
    launchAtLogin: flag(r.launchAtLogin, d.launchAtLogin),
    closeToTray: flag(r.closeToTray, d.closeToTray),
    hideDockIcon: flag(r.hideDockIcon, d.hideDockIcon),
    closeNoticeShown: flag(r.closeNoticeShown, d.closeNoticeShown),
    windowBounds: isBounds(r.windowBounds) ? r.windowBounds : null,
    store: typeof r.store === 'string' ? checkedStore(r.store) : null,
  };
}

/** A store preference in its checked spelling, or null (the home's choice) for a value that is not one. */
function checkedStore(value: string): string | null {
  try {
    return storeChoiceText(parseStoreChoice(value, 'the store preference'));
  } catch {
    return null;
  }
}

/**
 * The store this start asks for, as a `--store` would (store/choice.ts `chooseStore`): QUEUECTL_STORE, which
 * `queuectl worker start --store` sets for the app it launches, wins over the preference; with neither, null
 * leaves the home's remembered choice.
 */
export function storeForStart(p: Preferences, env: NodeJS.ProcessEnv): string | null {
  return env[STORE_ENV] ? null : p.store;
}

/** The long-job threshold: whole seconds, 1 s to a week. */
function isLongJobSeconds(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 604_800;
}

/** The long-job thresholds the tray offers (Preferences ▸ Notify when a job took longer than). */
export const LONG_JOB_CHOICES = [60, 300, 900, 3600] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBounds(value: unknown): value is Bounds {
  return isRecord(value) && ['x', 'y', 'width', 'height'].every((k) => Number.isInteger(value[k]) && Math.abs(value[k] as number) <= 100_000);
}

/** The preferences the tray's Preferences submenu switches. */
export type ToggleKey = 'notifyDead' | 'notifyCompleted' | 'launchAtLogin' | 'closeToTray' | 'hideDockIcon';

export function toggles(p: Preferences): Record<ToggleKey, boolean> {
  return {
    notifyDead: p.notifications.dead,
    notifyCompleted: p.notifications.completed,
    launchAtLogin: p.launchAtLogin,
    closeToTray: p.closeToTray,
    hideDockIcon: p.hideDockIcon,
  };
}

/** The preferences with one toggle switched to `value`. */
export function withToggle(p: Preferences, key: ToggleKey, value: boolean): Preferences {
  switch (key) {
    case 'notifyDead':
      return { ...p, notifications: { ...p.notifications, dead: value } };
    case 'notifyCompleted':
      return { ...p, notifications: { ...p.notifications, completed: value } };
    case 'launchAtLogin':
      return { ...p, launchAtLogin: value };
    case 'closeToTray':
      return { ...p, closeToTray: value };
    case 'hideDockIcon':
      return { ...p, hideDockIcon: value };
    default: {
      const never: never = key;
      throw new Error(`unknown preference ${String(never)}`);
    }
  }
}

const bool = { type: 'boolean' } as const;
const int = { type: 'integer', minimum: -100_000, maximum: 100_000 } as const;

/**
 * JSON Schema per top-level key, as electron-store's `schema` option takes it. A file that does not match
 * (edited by hand, written by a newer version) is replaced by the defaults (`clearInvalidConfig`).
 */
export const PREFERENCES_SCHEMA = {
  notifications: {
    type: 'object',
    // longJobSeconds is not required: files written before it existed stay valid.
    properties: { dead: bool, completed: bool, longJobSeconds: { anyOf: [{ type: 'null' }, { type: 'integer', minimum: 1, maximum: 604_800 }] } },
    required: ['dead', 'completed'],
    additionalProperties: false,
  },
  launchAtLogin: bool,
  closeToTray: bool,
  hideDockIcon: bool,
  closeNoticeShown: bool,
  store: { anyOf: [{ type: 'null' }, { type: 'string', maxLength: 4096 }] },
  windowBounds: {
    anyOf: [
      { type: 'null' },
      {
        type: 'object',
        properties: { x: int, y: int, width: { type: 'integer', minimum: 200, maximum: 100_000 }, height: { type: 'integer', minimum: 150, maximum: 100_000 } },
        required: ['x', 'y', 'width', 'height'],
        additionalProperties: false,
      },
    ],
  },
} as const;

/** The window size on first start. */
export const DEFAULT_WINDOW = { width: 1100, height: 720, minWidth: 640, minHeight: 420 } as const;

/**
 * The saved bounds if the window would still be reachable there: at least 100×50 px of its title area inside
 * one display's work area (a monitor may have been unplugged since). Otherwise null: center a default window.
 */
export function restoreBounds(saved: Bounds | null, workAreas: Bounds[]): Bounds | null {
  if (!saved) return null;
  const width = Math.max(DEFAULT_WINDOW.minWidth, Math.round(saved.width));
  const height = Math.max(DEFAULT_WINDOW.minHeight, Math.round(saved.height));
  const titleBar: Bounds = { x: saved.x, y: saved.y, width, height: Math.min(height, 50) };
  const visible = workAreas.some((area) => overlap(titleBar, area).width >= Math.min(100, width) && overlap(titleBar, area).height >= Math.min(50, titleBar.height));
  if (!visible) return null;
  return { x: Math.round(saved.x), y: Math.round(saved.y), width, height };
}

function overlap(a: Bounds, b: Bounds): { width: number; height: number } {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return { width: Math.max(0, width), height: Math.max(0, height) };
}
