import { describe, expect, it } from 'vitest';
import { CONFIG_ALIASES, checkConfigValue, configAlias, normalizeConfigKey } from '../../protocol/index.js';

describe('autostart, an on/off setting', () => {
  it('takes true/false, on/off, yes/no and 1/0 (any case), stored as 1 or 0', () => {
    for (const [raw, value] of [['true', 1], ['FALSE', 0], ['on', 1], ['off', 0], ['yes', 1], ['no', 0], ['1', 1], ['0', 0], [true, 1], [false, 0]] as const) {
      expect(checkConfigValue('autostart', raw), String(raw)).toEqual({ ok: true, value });
    }
  });

  it('refuses anything else, saying what it takes', () => {
    for (const raw of ['maybe', '2', '-1', '0.5', '']) {
      expect(checkConfigValue('autostart', raw)).toEqual({ ok: false, error: expect.stringMatching(/^autostart must be true or false \(1 or 0\), got /) });
    }
  });

  it('a numeric setting that is not a switch still refuses "true"', () => {
    expect(checkConfigValue('workers', 'true').ok).toBe(false);
  });
});

describe('config aliases (names other QueueCTL implementations use)', () => {
  it('each names a real setting and is not a setting name itself', () => {
    for (const a of CONFIG_ALIASES) {
      expect(normalizeConfigKey(a.key), a.alias).toBe(a.key);
      expect(normalizeConfigKey(a.alias), a.alias).toBeNull();
    }
  });

  it('is found with dashes or underscores, in any case; unknown names are not aliases', () => {
    expect(configAlias('job-timeout')).toMatchObject({ key: 'job_timeout_ms', unit: 's' });
    expect(configAlias('JOB_TIMEOUT')).toMatchObject({ key: 'job_timeout_ms', unit: 's' });
    expect(configAlias('poll_interval_ms')).toMatchObject({ key: 'tick_interval_ms', unit: null });
    expect(configAlias('max-retries')).toBeNull();
  });
});
