/** Queue settings stored in the database and edited with `queuectl config` or the dashboard. */
export type ConfigKey = NumericConfigKey | StringConfigKey;

/** Settings whose value is a number. */
export type NumericConfigKey =
  | 'max_retries'
  | 'backoff_base'
  | 'backoff_factor_ms'
  | 'backoff_max_ms'
  | 'backoff_jitter'
  | 'tick_interval_ms'
  | 'save_interval_ms'
  | 'workers'
  | 'job_timeout_ms'
  | 'log_max_bytes'
  | 'stop_timeout_ms'
  | 'retention_days'
  | 'retention_max_jobs'
  | 'on_finish_timeout_ms'
  | 'autostart';

/** Settings whose value is text ('' when unset). */
export type StringConfigKey = 'on_finish';

/** The type of a setting's value: a string for string keys, a number for the rest. */
export type ConfigValue<K extends ConfigKey = ConfigKey> = K extends StringConfigKey ? string : number;

/** The full set of settings with their current values. */
export type Config = { [K in ConfigKey]: ConfigValue<K> };

interface DefinitionBase {
  description: string;
  /** Takes effect on a running daemon at once (otherwise at the next start). */
  live: boolean;
}

/** A numeric setting: 'integer' accepts whole numbers only. */
export interface NumericConfigDefinition extends DefinitionBase {
  key: NumericConfigKey;
  type: 'integer' | 'number';
  /** An on/off switch stored as 1 or 0: `true`/`false`, `on`/`off`, `yes`/`no` are accepted too. */
  flag?: true;
  min: number;
  max: number;
  default: number;
}

/** A text setting: any string up to `maxLength` characters (no NUL); '' means unset. */
export interface StringConfigDefinition extends DefinitionBase {
  key: StringConfigKey;
  type: 'string';
  maxLength: number;
  default: string;
}

/** What a setting means and which values it takes. */
export type ConfigDefinition = NumericConfigDefinition | StringConfigDefinition;

const HOUR_MS = 3_600_000;

/** Every setting, in the order `config list` prints them. */
export const CONFIG_DEFINITIONS: readonly ConfigDefinition[] = [
  {
    key: 'max_retries',
    description: 'Retries after the first run for jobs enqueued without --retries (2 means at most 3 runs).',
    type: 'integer', min: 0, max: 1000, default: 3, live: true,
  },
  {
    key: 'backoff_base',
    description: 'Growth factor of the retry delay: delay before retry n = backoff_factor_ms × backoff_base^n.',
    type: 'number', min: 1, max: 100, default: 2, live: true,
  },
  {
    key: 'backoff_factor_ms',
    description: 'Scale of the retry delay in milliseconds (1000 makes the delay base^n seconds).',
    type: 'integer', min: 0, max: 24 * HOUR_MS, default: 1000, live: true,
  },
  {
    key: 'backoff_max_ms',
    description: 'Upper bound of any single retry delay, in milliseconds.',
    type: 'integer', min: 0, max: 30 * 24 * HOUR_MS, default: HOUR_MS, live: true,
  },
  {
    key: 'backoff_jitter',
    description: 'Random spread of the retry delay: 0.2 picks a delay within ±20% (spreads out retry storms).',
    type: 'number', min: 0, max: 1, default: 0, live: true,
  },
  {
    key: 'tick_interval_ms',
    description: 'Safety poll: how often the scheduler looks for due jobs even when no event woke it.',
    type: 'integer', min: 10, max: 60_000, default: 1000, live: true,
  },
  {
    key: 'save_interval_ms',
    description: 'How often the write-ahead log is checkpointed into the database file. Every change is committed durably at once regardless; 0 leaves checkpoints to SQLite.',
    type: 'integer', min: 0, max: HOUR_MS, default: 5000, live: true,
  },
  {
    key: 'workers',
    description: 'Number of worker processes, each running one job at a time. `worker start --count N` sets it.',
    type: 'integer', min: 1, max: 64, default: 2, live: true,
  },
  {
    key: 'job_timeout_ms',
    description: 'Timeout for jobs enqueued without --timeout, in milliseconds; 0 means none.',
    type: 'integer', min: 0, max: 24 * 24 * HOUR_MS, default: 0, live: true,
  },
  {
    key: 'log_max_bytes',
    description: 'Largest log kept per job; output beyond it is discarded with a note.',
    type: 'integer', min: 1024, max: 1024 ** 3, default: 10 * 1024 ** 2, live: true,
  },
  {
    key: 'stop_timeout_ms',
    description: 'How long a graceful stop waits for running jobs before it kills and requeues them.',
    type: 'integer', min: 0, max: 24 * HOUR_MS, default: 60_000, live: true,
  },
  {
    key: 'retention_days',
    description: 'Finished jobs (completed, canceled) older than this many days are deleted with their logs, automatically; dead jobs are kept until retried or purged. 0 keeps them forever.',
    type: 'number', min: 0, max: 36_500, default: 0, live: true,
  },
  {
    key: 'retention_max_jobs',
    description: 'Keep at most this many finished jobs (completed, canceled), deleting the oldest with their logs, automatically. 0 means no limit.',
    type: 'integer', min: 0, max: 100_000_000, default: 0, live: true,
  },
  {
    key: 'on_finish',
    description: 'Shell command run after every job ends (completed, failed with a retry to come, dead, canceled), the job given only in `QUEUECTL_*` environment variables. Output goes to `on_finish.log` in the data directory; a failure is logged, never retried. Empty: no hook.',
    type: 'string', maxLength: 4096, default: '', live: true,
  },
  {
    key: 'on_finish_timeout_ms',
    description: 'How long one on_finish run may take before its process group is killed.',
    type: 'integer', min: 100, max: 24 * HOUR_MS, default: 60_000, live: true,
  },
  {
    key: 'autostart',
    description: 'When no daemon runs, a queuectl command starts one in the background (the desktop app where `worker start` would choose it) instead of working on the store itself. 1 (true) or 0 (false).',
    type: 'integer', flag: true, min: 0, max: 1, default: 0, live: true,
  },
];

/**
 * Names other job queues of the same family use for a setting, accepted by `queuectl config get|set` and
 * listed by `config list --aliases`. `unit: 's'`: the alias takes seconds where the setting takes ms.
 * (`max-retries`, `backoff-base` and the like need no alias: dashes and case never matter.)
 */
export const CONFIG_ALIASES: readonly { alias: string; key: ConfigKey; unit: 's' | null }[] = [
  { alias: 'job-timeout', key: 'job_timeout_ms', unit: 's' },
  { alias: 'poll-interval-ms', key: 'tick_interval_ms', unit: null },
  { alias: 'poll-interval', key: 'tick_interval_ms', unit: 's' },
  { alias: 'worker-count', key: 'workers', unit: null },
];

/** The alias `raw` names (dashes or underscores, any case), or null. */
export function configAlias(raw: string): (typeof CONFIG_ALIASES)[number] | null {
  const name = raw.trim().toLowerCase().replace(/_/g, '-');
  return CONFIG_ALIASES.find((a) => a.alias === name) ?? null;
}

const BY_KEY = new Map<ConfigKey, ConfigDefinition>(CONFIG_DEFINITIONS.map((d) => [d.key, d]));

/** Defaults for every key. */
export function defaultConfig(): Config {
  return Object.fromEntries(CONFIG_DEFINITIONS.map((d) => [d.key, d.default])) as Config;
}

/** `max-retries`, `MAX_RETRIES` and `max_retries` all name the same key; returns null for an unknown key. */
export function normalizeConfigKey(raw: string): ConfigKey | null {
  const key = raw.trim().toLowerCase().replace(/-/g, '_');
  return BY_KEY.has(key as ConfigKey) ? (key as ConfigKey) : null;
}

export function configDefinition<K extends ConfigKey>(key: K): K extends StringConfigKey ? StringConfigDefinition : NumericConfigDefinition;
export function configDefinition(key: ConfigKey): ConfigDefinition {
  return BY_KEY.get(key)!;
}

/** True for settings whose value is text. */
export function isStringConfigKey(key: ConfigKey): key is StringConfigKey {
  return configDefinition(key).type === 'string';
}

/** Result of checking one value: the parsed value, or a message that says what is wrong. */
export type ConfigCheck<V extends number | string = number | string> = { ok: true; value: V } | { ok: false; error: string };

/**
 * Parses and checks a value for a key. Numeric keys accept numbers and decimal strings ("5", "0.5"),
 * range-checked; nothing else. String keys accept a string of at most `maxLength` characters without NUL;
 * a value of only whitespace is stored as '' (unset).
 */
export function checkConfigValue<K extends ConfigKey>(key: K, raw: unknown): ConfigCheck<ConfigValue<K>>;
export function checkConfigValue(key: ConfigKey, raw: unknown): ConfigCheck {
  const def = configDefinition(key);
  if (def.type === 'string') return checkString(def, raw);
  const checked = checkNumber(def, raw);
  // A switch says what it takes, whatever was wrong with the value.
  return def.flag && !checked.ok ? { ok: false, error: `${key} must be true or false (1 or 0), got ${describe(raw)}` } : checked;
}

function checkString(def: StringConfigDefinition, raw: unknown): ConfigCheck<string> {
  if (typeof raw !== 'string') return { ok: false, error: `${def.key} must be text (a string), got ${describe(raw)}` };
  if (raw.length > def.maxLength) {
    return { ok: false, error: `${def.key} must be at most ${def.maxLength} characters, got ${raw.length}` };
  }
  if (raw.includes('\0')) return { ok: false, error: `${def.key} must not contain a NUL character` };
  if (raw.trim() === '') return { ok: true, value: '' };
  // One line: a text field (the dashboard's) would silently join lines into another command.
  if (/[\r\n]/.test(raw)) return { ok: false, error: `${def.key} must be one line; put several commands in a script and give its path` };
  return { ok: true, value: raw };
}

function checkNumber(def: NumericConfigDefinition, raw: unknown): ConfigCheck<number> {
  const key = def.key;
  let value: number;
  const flag = def.flag && typeof raw === 'string' ? FLAG_WORDS[raw.trim().toLowerCase()] : undefined;
  if (flag !== undefined) {
    value = flag;
  } else if (def.flag && typeof raw === 'boolean') {
    value = raw ? 1 : 0;
  } else if (typeof raw === 'number') {
    value = raw;
  } else if (typeof raw === 'string' && /^\s*-?(\d+(\.\d+)?|\.\d+)\s*$/.test(raw)) {
    value = Number(raw);
  } else {
    return { ok: false, error: `${key} must be ${def.type === 'integer' ? 'a whole number' : 'a number'}, got ${describe(raw)}` };
  }
  if (!Number.isFinite(value)) return { ok: false, error: `${key} must be a finite number, got ${describe(raw)}` };
  if (def.type === 'integer' && !Number.isInteger(value)) {
    return { ok: false, error: `${key} must be a whole number, got ${describe(raw)}` };
  }
  if (value < def.min || value > def.max) {
    return { ok: false, error: `${key} must be between ${def.min} and ${def.max}, got ${value}` };
  }
  return { ok: true, value };
}

/** The words an on/off setting (`flag`) accepts. */
const FLAG_WORDS: Record<string, number> = { true: 1, false: 0, on: 1, off: 0, yes: 1, no: 0 };

function describe(raw: unknown): string {
  if (typeof raw === 'string') return raw.length > 40 ? `"${raw.slice(0, 40)}…"` : `"${raw}"`;
  return raw === null ? 'null' : typeof raw === 'object' ? 'an object' : String(raw);
}
