import type { StoreInfo } from './methods.js';

/**
 * The desktop app's store field (its dashboard's Config page, in the app's window only): what main answers
 * over the `queuectl:store-setting` IPC channel (electron/main/store-setting.ts) and the dashboard shows. It is
 * the app's own preference, not a queue setting: a headless daemon takes its store from `worker start --store`.
 * No field ever carries a password: URLs are masked (protocol/store-choice.ts `maskPassword`).
 */

/** A store as the field shows it: `sqlite`, or a PostgreSQL URL with its password as `***`. */
export type StoreShown = Pick<StoreInfo, 'kind' | 'display'>;

/** Where the store this run of the app opened was chosen (electron/engine/store/choice.ts, `ChoiceSource`). */
export type StoreChosenBy =
  /** The app's store preference (this field). */
  | 'preference'
  /** QUEUECTL_STORE, as `queuectl worker start --store` hands it to the app: it wins over the preference. */
  | 'environment'
  /** What the data directory remembers from an earlier start. */
  | 'data-directory'
  /** Nothing chose: SQLite. */
  | 'default';

export interface StoreSetting {
  /** The store this run of the app opened. */
  running: StoreShown;
  runningChosenBy: StoreChosenBy;
  /** What the preference asks the next start for; null: no preference (the data directory's choice stays). */
  preference: StoreShown | null;
  /** The next start opens another store than the one running (or the same with other credentials): quit and start the app again. */
  restartNeeded: boolean;
}

/** The answer to a change: the setting after it, or why the value was refused (one line, masked). */
export type StoreSettingAnswer = { ok: true; setting: StoreSetting } | { ok: false; error: string };

