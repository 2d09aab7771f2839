import type { ConfigStore, StatsStore } from '../api.js';
import type { Store } from '../index.js';

/** The config table (read once at start by Settings, written on each set) and the dashboard's stats. */
export function settingsAndStats(s: Store): ConfigStore & StatsStore {
  const entries = s.db.prepare<[], { key: string; value: string }>(`SELECT key, value FROM config ORDER BY key`);
  const upsert = s.db.prepare<[string, string]>(`INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  // An explicit transaction, as enqueue's: a commit that fails (full disk) throws instead of passing silently.
  const setConfig = s.db.transaction((key: string, json: string) => {
    upsert.run(key, json);
  });
  return {
    configEntries: async () => entries.all(),
    setConfig: async (key, json) => setConfig(key, json),
    runsPerBucket: async (span, queue) => s.runsPerBucket(span, queue),
    pruneRunMinutes: async (before) => s.pruneRunMinutes(before),
    recentFailures: async (limit) => s.recentFailures(limit),
  };
}
