import type { StoreChosenBy, StoreSetting, StoreShown } from '../../../protocol/desktop-store.js';
import { QueueError } from '../../../protocol/errors.js';
import { parseStoreChoice } from '../../../protocol/store-choice.js';

/**
 * The words of the desktop app's store field (views/config/StoreSetting.svelte), kept out of the component so
 * they can be tested. The app's main process checks every value again and decides (electron/main/store-setting.ts).
 */

/** Why `text` cannot be the PostgreSQL URL, or null: the rules `--store` has. `***` stands for the password kept. */
export function postgresUrlProblem(text: string): string | null {
  if (text.trim() === '') return 'Type the database URL: postgres://user@host/db';
  try {
    const choice = parseStoreChoice(text, 'the URL');
    return choice.kind === 'postgres' ? null : 'Type a postgres:// URL, or choose SQLite';
  } catch (err) {
    if (err instanceof QueueError) return err.message;
    throw err;
  }
}

/** A store in a sentence's words: "SQLite" or "PostgreSQL at postgres://ann:***@db/q". */
export function storeWords(store: StoreShown): string {
  return store.kind === 'sqlite' ? 'SQLite' : `PostgreSQL at ${store.display}`;
}

const CHOSEN_BY: Record<StoreChosenBy, string> = {
  preference: 'chosen here',
  environment: 'named by queuectl worker start --store (QUEUECTL_STORE), which wins over this choice whenever it is given',
  'data-directory': 'remembered in the data directory from an earlier start',
  default: 'the default',
};

/** What runs now and why: "Running on SQLite (the default)." */
export function runningLine(s: StoreSetting): string {
  return `Running on ${storeWords(s.running)} (${CHOSEN_BY[s.runningChosenBy]}).`;
}

/** What happens to a saved choice; null when it is what runs now. */
export function restartLine(s: StoreSetting): string | null {
  if (!s.restartNeeded || !s.preference) return null;
  return `${storeWords(s.preference)} from the next start. Until then the app keeps its current store: quit it from the tray (Quit) and start it again to switch. Nothing moves between the stores.`;
}
