import { parseStoreChoice, SQLITE_CHOICE, STORE_ENV, storeChoiceText, type StoreChoice } from '../../../protocol/index.js';
import { homePaths } from '../../../protocol/node/paths.js';
import { prepareHome, readPrivateFile, writePrivateFile } from '../home-files.js';

/**
 * Which store a daemon opens: `--store` (the host's command line, or the desktop app's preference), else
 * QUEUECTL_STORE, else what the home remembers, else SQLite. A choice made by flag or variable is remembered
 * in the home (`store-choice`, 0600 since a URL may hold a password, replaced whole by a rename) so that later
 * starts, and the CLI's daemonless commands, use the same store without being told again.
 */

/** Where a start's choice came from. */
export type ChoiceSource = 'flag' | 'env' | 'home' | 'default';

export interface ChosenStore {
  choice: StoreChoice;
  from: ChoiceSource;
}

/** The store the home remembers, or null when it remembers none (SQLite). A malformed file is INVALID_ARGUMENT. */
export function rememberedStoreChoice(home: string): StoreChoice | null {
  const path = homePaths(home).storeChoice;
  const text = readPrivateFile(path);
  return text === null ? null : parseStoreChoice(text, path);
}

/** Remembers `choice` for the next starts; `sqlite` is written too, so that switching back sticks. */
export function rememberStoreChoice(home: string, choice: StoreChoice): void {
  writePrivateFile(homePaths(home).storeChoice, `${storeChoiceText(choice)}\n`);
}

/** The order of precedence alone (nothing written): flag, variable, the home's file, SQLite. */
export function resolveStoreChoice(home: string, flag: string | null, env: NodeJS.ProcessEnv): ChosenStore {
  if (flag !== null) return { choice: parseStoreChoice(flag, '--store'), from: 'flag' };
  const variable = env[STORE_ENV];
  if (variable !== undefined && variable !== '') return { choice: parseStoreChoice(variable, STORE_ENV), from: 'env' };
  const remembered = rememberedStoreChoice(home);
  return remembered ? { choice: remembered, from: 'home' } : { choice: SQLITE_CHOICE, from: 'default' };
}

/**
 * What a host calls before it starts the engine: resolves the choice, remembers one given by flag or
 * variable, and takes QUEUECTL_STORE out of `env` (the host's process.env), so that workers and on_finish
 * hooks, which inherit the host's environment, never see a URL that may carry a password. The engine's
 * opening of the store then reads the remembered choice (`storeToOpen`).
 */
export function chooseStore(home: string, flag: string | null, env: NodeJS.ProcessEnv): ChosenStore {
  const chosen = resolveStoreChoice(home, flag, env);
  delete env[STORE_ENV];
  if (chosen.from === 'flag' || chosen.from === 'env') {
    prepareHome(home);
    rememberStoreChoice(home, chosen.choice);
  }
  return chosen;
}

/** The store a starting daemon opens: the remembered choice (`chooseStore` wrote it), else SQLite. */
export function storeToOpen(home: string): StoreChoice {
  return rememberedStoreChoice(home) ?? SQLITE_CHOICE;
}
