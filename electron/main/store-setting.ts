import {
  maskPassword,
  parseStoreChoice,
  QueueError,
  storeChoiceText,
  type StoreChoice,
  type StoreChosenBy,
  type StoreSetting,
  type StoreSettingAnswer,
  type StoreShown,
} from '../../protocol/index.js';
import type { ChoiceSource, ChosenStore } from '../engine/store/choice.js';
import { senderProblem, type InvokeEventLike } from './ipc-guard.js';
import type { PreferencesStore } from './preferences.js';

/**
 * The desktop app's store field: the dashboard (its Config page, in the app's window) reads and changes the
 * `store` preference over one IPC channel, checked like `queuectl:invoke` (only the dashboard's own top frame).
 * The value is checked with the rules `--store` has (protocol/store-choice.ts) and kept in preferences.json
 * (0600, glue/preferences-store.ts); nothing sent back holds a password. A change applies at the next start,
 * as the preference always did: the engine keeps the store it opened, so the answer says when a restart is
 * needed rather than swapping stores under running jobs.
 */

/** The channel (the preload spells the same string; tests/desktop checks it). */
export const STORE_SETTING_CHANNEL = 'queuectl:store-setting';

/** The longest value kept (the preference schema's own limit). */
export const MAX_STORE_TEXT = 4096;

/** What stands for a password in what the field shows (maskPassword's mask). */
const MASK = '***';

export interface StoreSettingDeps {
  prefs: PreferencesStore;
  /** The store this run of the app opened, and who chose it (electron/engine/store/choice.ts `chooseStore`). */
  running: ChosenStore;
  log: (message: string) => void;
}

/** A choice as the field shows it. */
export function shownChoice(choice: StoreChoice): StoreShown {
  return choice.kind === 'sqlite' ? { kind: 'sqlite', display: 'sqlite' } : { kind: 'postgres', display: maskPassword(choice.url) };
}

const CHOSEN_BY: Record<ChoiceSource, StoreChosenBy> = { flag: 'preference', env: 'environment', home: 'data-directory', default: 'default' };

/** What the field shows now. */
export function storeSetting(store: string | null, running: ChosenStore): StoreSetting {
  return {
    running: shownChoice(running.choice),
    runningChosenBy: CHOSEN_BY[running.from],
    preference: store === null ? null : shownChoice(parseStoreChoice(store, 'the store preference')),
    restartNeeded: store !== null && store !== storeChoiceText(running.choice),
  };
}

/**
 * The typed value with the password the field hid put back: the field shows the kept URL masked, so a user who
 * changes only its host or database sends `***` where the password was; that means "keep it", never a
 * password of three stars. A mask with no kept password to stand for is refused.
 */
export function withKeptPassword(value: string, kept: string | null): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  let keptUrl: URL | null = null;
  try {
    keptUrl = kept === null ? null : new URL(kept);
  } catch {
    keptUrl = null;
  }
  let changed = false;
  const missing = (): never => {
    throw new QueueError('INVALID_ARGUMENT', `${MASK} stands for a password kept earlier, and none is kept for this URL: type the password, or leave it out and use PGPASSWORD or ~/.pgpass`);
  };
  if (url.password === MASK) {
    if (!keptUrl || keptUrl.password === '') missing();
    url.password = keptUrl!.password;
    changed = true;
  }
  for (const key of [...url.searchParams.keys()]) {
    if (!key.toLowerCase().includes('password') || url.searchParams.get(key) !== MASK) continue;
    const secret = keptUrl?.searchParams.get(key) ?? null;
    if (secret === null) missing();
    url.searchParams.set(key, secret!);
    changed = true;
  }
  return changed ? url.toString() : value;
}

/** Checks `value` and keeps it as the preference: `sqlite`, or a postgres:// URL (its masked password kept). */
export function changeStore(deps: StoreSettingDeps, value: unknown): StoreSettingAnswer {
  if (typeof value !== 'string') return { ok: false, error: 'the store must be text: sqlite or a postgres://user@host/db URL' };
  if (value.length > MAX_STORE_TEXT) return { ok: false, error: `the store URL is ${value.length} characters; at most ${MAX_STORE_TEXT}` };
  const current = deps.prefs.get();
  let text: string;
  try {
    text = storeChoiceText(parseStoreChoice(withKeptPassword(value.trim(), current.store), 'the store'));
  } catch (err) {
    if (err instanceof QueueError) return { ok: false, error: err.message };
    throw err;
  }
  if (text !== current.store) {
    deps.prefs.set({ ...current, store: text });
    deps.log(`store preference set to ${text === 'sqlite' ? 'sqlite' : maskPassword(text)}; it applies at the next start`);
  }
  return { ok: true, setting: storeSetting(text, deps.running) };
}

/**
 * One call on the channel: `('get')` or `('set', value)`, from the dashboard's own top frame only (`trusted`:
 * its webContents). Always an answer, never a throw: a refusal is `{ok: false}` with the reason.
 */
export function answerStoreSetting(event: InvokeEventLike, args: readonly unknown[], trusted: unknown, deps: StoreSettingDeps): StoreSettingAnswer {
  const refused = senderProblem(event, trusted);
  if (refused) {
    deps.log(`refused IPC: ${refused}`);
    return { ok: false, error: refused };
  }
  const [op, value] = args;
  if (op === 'get' && args.length === 1) return { ok: true, setting: storeSetting(deps.prefs.get().store, deps.running) };
  if (op === 'set' && args.length === 2) return changeStore(deps, value);
  return { ok: false, error: `${STORE_SETTING_CHANNEL} takes ('get') or ('set', value)` };
}
