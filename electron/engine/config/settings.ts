import type Database from 'better-sqlite3';
import {
  CONFIG_DEFINITIONS,
  QueueError,
  checkConfigValue,
  configDefinition,
  defaultConfig,
  normalizeConfigKey,
  type Config,
  type ConfigEntry,
  type ConfigKey,
  type ConfigValue,
} from '../../../protocol/index.js';

/**
 * The queue settings: defaults overlaid with what the config table holds. Reads come from memory;
 * a set is validated, committed, then applied, and listeners hear about it.
 */
export class Settings {
  private values: Config = defaultConfig();
  private readonly listeners: Array<(key: ConfigKey, value: ConfigValue) => void> = [];
  private readonly upsert: (key: string, value: string) => void;

  constructor(db: Database.Database, log: (msg: string) => void) {
    const upsert = db.prepare<[string, string]>(
      `INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
    this.upsert = db.transaction((key: string, value: string) => {
      upsert.run(key, value);
    });
    for (const { key, value } of db.prepare<[], { key: string; value: string }>(`SELECT key, value FROM config`).all()) {
      const known = normalizeConfigKey(key);
      const check = known ? checkConfigValue(known, parseStored(value)) : null;
      if (known && check?.ok) this.put(known, check.value);
      else log(`ignoring stored setting ${key}=${value}: ${check && !check.ok ? check.error : 'unknown key'}`);
    }
  }

  /** The current value: a number, or a string for string settings such as on_finish. */
  get<K extends ConfigKey>(key: K): ConfigValue<K> {
    return this.values[key];
  }

  all(): Readonly<Config> {
    return this.values;
  }

  entry(key: ConfigKey): ConfigEntry {
    return { ...configDefinition(key), value: this.values[key] } as ConfigEntry;
  }

  entries(): ConfigEntry[] {
    return CONFIG_DEFINITIONS.map((d) => this.entry(d.key));
  }

  /** Resolves a user-typed key (`max-retries` works too) or throws INVALID_ARGUMENT naming the known keys. */
  static keyOf(raw: unknown): ConfigKey {
    const key = typeof raw === 'string' ? normalizeConfigKey(raw) : null;
    if (!key) {
      const known = CONFIG_DEFINITIONS.map((d) => d.key).join(', ');
      throw new QueueError('INVALID_ARGUMENT', `unknown config key ${JSON.stringify(raw)}; known keys: ${known}`);
    }
    return key;
  }

  /** Validates, stores durably, applies. */
  set(rawKey: unknown, rawValue: unknown): ConfigEntry {
    const key = Settings.keyOf(rawKey);
    const check = checkConfigValue(key, rawValue);
    if (!check.ok) throw new QueueError('INVALID_ARGUMENT', check.error, { key });
    this.upsert(key, JSON.stringify(check.value));
    this.put(key, check.value);
    for (const l of this.listeners) l(key, check.value);
    return this.entry(key);
  }

  onChange(listener: (key: ConfigKey, value: ConfigValue) => void): void {
    this.listeners.push(listener);
  }

  /** Stores a checked value in memory (checkConfigValue gave it the key's type). */
  private put(key: ConfigKey, value: ConfigValue): void {
    (this.values as Record<ConfigKey, ConfigValue>)[key] = value;
  }
}

/** A stored value, or undefined when the row is not JSON (edited by hand, or damaged). */
function parseStored(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
