import { describe, expect, it } from 'vitest';
import {
  CONFIG_DEFINITIONS,
  checkConfigValue,
  configDefinition,
  defaultConfig,
  normalizeConfigKey,
  type ConfigCheck,
  type ConfigKey,
  type NumericConfigDefinition,
} from '../../protocol/config.js';

/** The numeric settings (every key but the text ones such as on_finish). */
const NUMERIC_DEFINITIONS = CONFIG_DEFINITIONS.filter((d): d is NumericConfigDefinition => d.type !== 'string');

function okValue<V extends number | string>(check: ConfigCheck<V>): V {
  if (!check.ok) throw new Error(`expected ok, got error: ${check.error}`);
  return check.value;
}

function errorOf(check: ConfigCheck): string {
  if (check.ok) throw new Error(`expected an error, got value ${check.value}`);
  return check.error;
}

describe('normalizeConfigKey', () => {
  it('accepts the underscore, hyphen and upper-case spellings of the same key', () => {
    expect(normalizeConfigKey('max_retries')).toBe('max_retries');
    expect(normalizeConfigKey('max-retries')).toBe('max_retries');
    expect(normalizeConfigKey('MAX_RETRIES')).toBe('max_retries');
    expect(normalizeConfigKey('Max-Retries')).toBe('max_retries');
    expect(normalizeConfigKey('backoff-factor-ms')).toBe('backoff_factor_ms');
  });

  it('ignores surrounding whitespace', () => {
    expect(normalizeConfigKey('  workers \n')).toBe('workers');
  });

  it('returns null for unknown keys, near misses and the empty string', () => {
    expect(normalizeConfigKey('retries')).toBeNull();
    expect(normalizeConfigKey('max__retries')).toBeNull();
    expect(normalizeConfigKey('max retries')).toBeNull();
    expect(normalizeConfigKey('maxretries')).toBeNull();
    expect(normalizeConfigKey('')).toBeNull();
    expect(normalizeConfigKey('__proto__')).toBeNull();
    expect(normalizeConfigKey('constructor')).toBeNull();
  });

  it('knows every defined key', () => {
    for (const d of CONFIG_DEFINITIONS) {
      expect(normalizeConfigKey(d.key)).toBe(d.key);
      expect(normalizeConfigKey(d.key.replace(/_/g, '-').toUpperCase())).toBe(d.key);
    }
  });
});

describe('CONFIG_DEFINITIONS and defaults', () => {
  it('has unique keys and a sane range for each', () => {
    const keys = CONFIG_DEFINITIONS.map((d) => d.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const d of NUMERIC_DEFINITIONS) expect(d.min).toBeLessThanOrEqual(d.max);
  });

  it("every definition's default passes its own check", () => {
    for (const d of CONFIG_DEFINITIONS) {
      const check = checkConfigValue(d.key, d.default);
      expect(check, d.key).toEqual({ ok: true, value: d.default });
    }
  });

  it('defaultConfig holds exactly the defaults of every key', () => {
    const config = defaultConfig();
    expect(Object.keys(config).sort()).toEqual(CONFIG_DEFINITIONS.map((d) => d.key).sort());
    for (const d of CONFIG_DEFINITIONS) expect(config[d.key]).toBe(d.default);
  });

  it('configDefinition returns the definition for the key', () => {
    expect(configDefinition('workers').key).toBe('workers');
    expect(configDefinition('max_retries').default).toBe(3);
  });

  it('defaults documented in the design: max_retries 3, base 2, factor 1000 ms', () => {
    const config = defaultConfig();
    expect(config.max_retries).toBe(3);
    expect(config.backoff_base).toBe(2);
    expect(config.backoff_factor_ms).toBe(1000);
  });
});

describe('checkConfigValue with integer keys', () => {
  it('accepts whole numbers given as numbers', () => {
    expect(checkConfigValue('max_retries', 5)).toEqual({ ok: true, value: 5 });
    expect(checkConfigValue('max_retries', 0)).toEqual({ ok: true, value: 0 });
  });

  it('accepts whole numbers given as decimal strings, with surrounding whitespace', () => {
    expect(checkConfigValue('max_retries', '5')).toEqual({ ok: true, value: 5 });
    expect(checkConfigValue('max_retries', ' 7 ')).toEqual({ ok: true, value: 7 });
    expect(checkConfigValue('workers', '4')).toEqual({ ok: true, value: 4 });
  });

  it('accepts "2.0" as the whole number 2 (value matters, not spelling)', () => {
    expect(checkConfigValue('max_retries', '2.0')).toEqual({ ok: true, value: 2 });
  });

  it('refuses fractions, as numbers and as strings, saying a whole number is needed', () => {
    expect(errorOf(checkConfigValue('max_retries', '2.5'))).toMatch(/max_retries must be a whole number/);
    expect(errorOf(checkConfigValue('max_retries', 2.5))).toMatch(/whole number/);
    expect(errorOf(checkConfigValue('workers', '.5'))).toMatch(/whole number/);
  });

  it('refuses non-numeric strings and the empty string', () => {
    expect(errorOf(checkConfigValue('max_retries', 'abc'))).toMatch(/whole number, got "abc"/);
    expect(errorOf(checkConfigValue('max_retries', ''))).toMatch(/got ""/);
    expect(checkConfigValue('max_retries', '   ').ok).toBe(false);
    expect(checkConfigValue('max_retries', '5abc').ok).toBe(false);
    expect(checkConfigValue('max_retries', '5 5').ok).toBe(false);
  });

  it('refuses other numeric spellings: exponent, hex, sign "+", trailing dot, comma', () => {
    for (const raw of ['1e3', '0x10', '+5', '5.', '1,000', 'Infinity', 'NaN', '--1']) {
      expect(checkConfigValue('max_retries', raw).ok, raw).toBe(false);
    }
  });

  it('refuses negative values as out of range', () => {
    expect(errorOf(checkConfigValue('max_retries', -1))).toBe('max_retries must be between 0 and 1000, got -1');
    expect(errorOf(checkConfigValue('max_retries', '-1'))).toMatch(/between 0 and 1000, got -1/);
  });

  it('accepts both ends of the range and refuses one past either end', () => {
    const d = configDefinition('workers');
    expect(okValue(checkConfigValue('workers', d.min))).toBe(1);
    expect(okValue(checkConfigValue('workers', d.max))).toBe(64);
    expect(errorOf(checkConfigValue('workers', 0))).toMatch(/between 1 and 64, got 0/);
    expect(errorOf(checkConfigValue('workers', 65))).toMatch(/between 1 and 64, got 65/);
    expect(checkConfigValue('max_retries', 1001).ok).toBe(false);
    expect(checkConfigValue('tick_interval_ms', 9).ok).toBe(false);
    expect(checkConfigValue('log_max_bytes', 1023).ok).toBe(false);
  });

  it('refuses Infinity, -Infinity and NaN as not finite', () => {
    expect(errorOf(checkConfigValue('max_retries', Infinity))).toMatch(/finite/);
    expect(errorOf(checkConfigValue('max_retries', -Infinity))).toMatch(/finite/);
    expect(errorOf(checkConfigValue('max_retries', NaN))).toMatch(/finite/);
  });

  it('refuses null, undefined, booleans, objects and arrays', () => {
    expect(errorOf(checkConfigValue('max_retries', null))).toMatch(/got null/);
    expect(errorOf(checkConfigValue('max_retries', {}))).toMatch(/got an object/);
    expect(errorOf(checkConfigValue('max_retries', [3]))).toMatch(/got an object/);
    expect(checkConfigValue('max_retries', undefined).ok).toBe(false);
    expect(checkConfigValue('max_retries', true).ok).toBe(false);
    expect(checkConfigValue('max_retries', { valueOf: () => 3 }).ok).toBe(false);
  });

  it('shortens a very long rejected string in the message', () => {
    const err = errorOf(checkConfigValue('max_retries', 'x'.repeat(500)));
    expect(err.length).toBeLessThan(120);
    expect(err).toContain('…');
  });
});

describe('checkConfigValue with number keys', () => {
  it('accepts fractions as numbers and strings', () => {
    expect(checkConfigValue('backoff_jitter', 0.2)).toEqual({ ok: true, value: 0.2 });
    expect(checkConfigValue('backoff_jitter', '0.25')).toEqual({ ok: true, value: 0.25 });
    expect(checkConfigValue('backoff_jitter', '.5')).toEqual({ ok: true, value: 0.5 });
    expect(checkConfigValue('backoff_base', '1.5')).toEqual({ ok: true, value: 1.5 });
  });

  it('refuses values outside the range, and says "a number" for non-numbers', () => {
    expect(errorOf(checkConfigValue('backoff_jitter', 1.01))).toMatch(/between 0 and 1/);
    expect(errorOf(checkConfigValue('backoff_base', 0.5))).toMatch(/between 1 and 100/);
    const err = errorOf(checkConfigValue('backoff_base', 'two'));
    expect(err).toMatch(/backoff_base must be a number/);
    expect(err).not.toMatch(/whole/);
  });

  it('refuses Infinity for number keys too', () => {
    expect(checkConfigValue('backoff_base', Infinity).ok).toBe(false);
  });
});

describe('checkConfigValue over every key', () => {
  it('refuses min − 1 and max + 1 for every numeric key', () => {
    for (const d of NUMERIC_DEFINITIONS) {
      const key: ConfigKey = d.key;
      expect(checkConfigValue(key, d.min - 1).ok, `${key} min-1`).toBe(false);
      expect(checkConfigValue(key, d.max + 1).ok, `${key} max+1`).toBe(false);
      expect(checkConfigValue(key, String(d.max)).ok, `${key} "max"`).toBe(true);
    }
  });
});

describe('checkConfigValue with string keys (on_finish)', () => {
  it('is defined as text with a maximum length and an empty default', () => {
    const d = configDefinition('on_finish');
    expect(d.type).toBe('string');
    expect(d.default).toBe('');
    expect(d.maxLength).toBeGreaterThanOrEqual(1024);
    expect(defaultConfig().on_finish).toBe('');
  });

  it('accepts a command verbatim: quotes, $(…) and surrounding spaces are kept', () => {
    for (const raw of ['notify-send done', `curl -d "$QUEUECTL_STATE" 'http://x/$(y)'`, '  padded  ']) {
      expect(checkConfigValue('on_finish', raw)).toEqual({ ok: true, value: raw });
    }
  });

  it('refuses line breaks (a one-line text field would silently join the lines into another command)', () => {
    for (const raw of ['echo a\necho b', 'echo a\r\necho b']) {
      const check = checkConfigValue('on_finish', raw);
      expect(check.ok).toBe(false);
      expect(!check.ok && check.error).toMatch(/one line; put several commands in a script/);
    }
  });

  it('accepts the empty string (clears the hook), and stores whitespace alone as empty', () => {
    expect(checkConfigValue('on_finish', '')).toEqual({ ok: true, value: '' });
    expect(checkConfigValue('on_finish', '   \n\t')).toEqual({ ok: true, value: '' });
  });

  it('accepts exactly maxLength characters and refuses one more, saying the limit', () => {
    const { maxLength } = configDefinition('on_finish');
    expect(okValue(checkConfigValue('on_finish', 'x'.repeat(maxLength)))).toHaveLength(maxLength);
    const err = errorOf(checkConfigValue('on_finish', 'x'.repeat(maxLength + 1)));
    expect(err).toBe(`on_finish must be at most ${maxLength} characters, got ${maxLength + 1}`);
  });

  it('refuses a NUL character (no process could be given it)', () => {
    expect(errorOf(checkConfigValue('on_finish', 'echo a\0b'))).toMatch(/on_finish must not contain a NUL/);
  });

  it('refuses numbers and every other non-string for a string key', () => {
    for (const raw of [5, 0, null, undefined, true, {}, ['echo'], NaN]) {
      expect(errorOf(checkConfigValue('on_finish', raw)), String(raw)).toMatch(/^on_finish must be text \(a string\), got /);
    }
  });

  it('still refuses text for numeric keys, including the hook timeout', () => {
    expect(errorOf(checkConfigValue('on_finish_timeout_ms', 'notify-send'))).toMatch(/on_finish_timeout_ms must be a whole number/);
    expect(errorOf(checkConfigValue('on_finish_timeout_ms', ''))).toMatch(/whole number, got ""/);
    expect(checkConfigValue('on_finish_timeout_ms', '1000')).toEqual({ ok: true, value: 1000 });
    expect(errorOf(checkConfigValue('on_finish_timeout_ms', 99))).toMatch(/between 100 and/);
  });

  it('types the value by key: a string for on_finish, a number for numeric keys', () => {
    const text = checkConfigValue('on_finish', 'x');
    const count = checkConfigValue('workers', '3');
    if (!text.ok || !count.ok) throw new Error('expected both to pass');
    const s: string = text.value;
    const n: number = count.value;
    expect([typeof s, typeof n]).toEqual(['string', 'number']);
  });

  it('normalizes the hyphenated spelling of string keys too', () => {
    expect(normalizeConfigKey('ON-FINISH')).toBe('on_finish');
    expect(normalizeConfigKey('on-finish-timeout-ms')).toBe('on_finish_timeout_ms');
  });
});
