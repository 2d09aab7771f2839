import Store from 'electron-store';
import { normalizePreferences, PREFERENCES_SCHEMA, type Preferences, type PreferencesStore } from '../preferences.js';

/** Preferences in <dir>/preferences.json (dir is <home>/desktop), through electron-store with a schema. */
export function openPreferences(dir: string, log: (message: string) => void): PreferencesStore {
  let store: Store<Preferences> | null = null;
  try {
    store = new Store<Preferences>({
      cwd: dir,
      name: 'preferences',
      // Cast: electron-store's schema type wants the JSON Schema of each key, which is what this is.
      schema: PREFERENCES_SCHEMA as unknown as NonNullable<ConstructorParameters<typeof Store<Preferences>>[0]>['schema'],
      clearInvalidConfig: true,
      configFileMode: 0o600,
    });
  } catch (err) {
    log(`preferences unavailable, using defaults: ${err instanceof Error ? err.message : String(err)}`);
  }
  let memory = normalizePreferences(store?.store ?? {});
  return {
    get: () => memory,
    set(preferences) {
      memory = preferences;
      try {
        if (store) store.store = preferences;
      } catch (err) {
        log(`could not save preferences: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}
