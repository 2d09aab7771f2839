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
import type { ConfigStore } from '../store/api.js';

/**
 * The queue settings: defaults overlaid with what the config table holds, read once (`load`) before the
 * engine starts. Reads come from memory; a set is validated, committed, then applied, and listeners hear about it.
 */
export class Settings {
  private values: Config = defaultConfig();
  private readonly listeners: Array<(key: ConfigKey, value: ConfigValue) => void> = [];

  private constructor(private readonly store: ConfigStore) {}

  /** The settings as stored; a stored value that does not pass its check (or an unknown key) is logged and ignored. */
  static async load(store: ConfigStore, log: (msg: string) => void): Promise<Settings> {
    const settings = new Settings(store);
    for (const { key, value } of await store.configEntries()) {
      const known = normalizeConfigKey(key);
      const check = known ? checkConfigValue(known, parseStored(value)) : null;
      if (known && check?.ok) settings.put(known, check.value);
      else log(`ignoring stored setting ${key}=${value}: ${check && !check.ok ? check.error : 'unknown key'}`);
    }
    return settings;
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
  async set(rawKey: unknown, rawValue: unknown): Promise<ConfigEntry> {
    const key = Settings.keyOf(rawKey);
    const check = checkConfigValue(key, rawValue);
    if (!check.ok) throw new QueueError('INVALID_ARGUMENT', check.error, { key });
    await this.store.setConfig(key, JSON.stringify(check.value));
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
