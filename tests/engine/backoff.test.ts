import { describe, expect, it } from 'vitest';
import { retryDelayMs, type BackoffSettings } from '../../electron/engine/backoff.js';

const HOUR_MS = 3_600_000;

function settings(over: Partial<BackoffSettings> = {}): BackoffSettings {
  return { backoff_base: 2, backoff_factor_ms: 1000, backoff_max_ms: HOUR_MS, backoff_jitter: 0, ...over };
}

/** A random source that always returns the given value (must lie in [0, 1)). */
const fixed = (value: number) => () => value;

describe('retryDelayMs without jitter', () => {
  it('is backoff_factor_ms × backoff_base^n for the first few retries', () => {
    expect(retryDelayMs(1, settings())).toBe(2000);
    expect(retryDelayMs(2, settings())).toBe(4000);
    expect(retryDelayMs(3, settings())).toBe(8000);
    expect(retryDelayMs(5, settings({ backoff_base: 3, backoff_factor_ms: 100 }))).toBe(100 * 3 ** 5);
  });

  it('gives base^n seconds when the factor is 1000 (the assignment formula)', () => {
    for (let n = 0; n <= 6; n++) expect(retryDelayMs(n, settings({ backoff_base: 3 }))).toBe(3 ** n * 1000);
  });

  it('returns the factor itself for n = 0 and stays flat with base 1', () => {
    expect(retryDelayMs(0, settings({ backoff_factor_ms: 750 }))).toBe(750);
    expect(retryDelayMs(40, settings({ backoff_base: 1, backoff_factor_ms: 750 }))).toBe(750);
  });

  it('rounds fractional results to whole milliseconds', () => {
    // 1000 × 1.5^3 = 3375; 10 × 1.5^3 = 33.75 → 34
    expect(retryDelayMs(3, settings({ backoff_base: 1.5 }))).toBe(3375);
    expect(retryDelayMs(3, settings({ backoff_base: 1.5, backoff_factor_ms: 10 }))).toBe(34);
  });

  it('is capped at backoff_max_ms once the exponential exceeds it', () => {
    const s = settings({ backoff_max_ms: 10_000 });
    expect(retryDelayMs(3, s)).toBe(8000); // below the cap: untouched
    expect(retryDelayMs(4, s)).toBe(10_000); // 16000 capped
    expect(retryDelayMs(20, s)).toBe(10_000);
  });

  it('a cap of 0 means no delay at all', () => {
    expect(retryDelayMs(3, settings({ backoff_max_ms: 0 }))).toBe(0);
  });

  it('a factor of 0 means no delay for small n', () => {
    expect(retryDelayMs(1, settings({ backoff_factor_ms: 0 }))).toBe(0);
    expect(retryDelayMs(10, settings({ backoff_factor_ms: 0 }))).toBe(0);
  });

  it('does not call the random source when jitter is 0', () => {
    let calls = 0;
    retryDelayMs(2, settings(), () => {
      calls++;
      return 0.9;
    });
    expect(calls).toBe(0);
  });
});

describe('retryDelayMs with huge n', () => {
  it('stays finite and equal to the cap when base^n overflows to Infinity', () => {
    const s = settings({ backoff_base: 100 });
    expect(Math.pow(100, 1000)).toBe(Infinity); // the premise of this test
    const d = retryDelayMs(1000, s);
    expect(Number.isFinite(d)).toBe(true);
    expect(d).toBe(HOUR_MS);
    expect(retryDelayMs(Number.MAX_SAFE_INTEGER, settings())).toBe(HOUR_MS);
  });

  it('stays finite under jitter when base^n overflows', () => {
    const d = retryDelayMs(5000, settings({ backoff_jitter: 0.5 }), fixed(0.999));
    expect(Number.isFinite(d)).toBe(true);
    expect(d).toBeLessThanOrEqual(HOUR_MS * 1.5);
  });

  it('with a factor of 0 stays 0 even when base^n overflows (0 × anything is no delay)', () => {
    // backoff_factor_ms = 0 is a valid setting (min 0) meaning "retry at once"; 100^200 overflows to Infinity.
    expect(retryDelayMs(200, settings({ backoff_factor_ms: 0, backoff_base: 100 }))).toBe(0);
  });
});

describe('retryDelayMs jitter', () => {
  const s = settings({ backoff_jitter: 0.2 }); // n = 3 → 8000 ms ± 20%

  it('random() = 0 gives the lower bound capped × (1 − jitter)', () => {
    expect(retryDelayMs(3, s, fixed(0))).toBe(6400);
  });

  it('random() = 0.5 gives the undisturbed delay', () => {
    expect(retryDelayMs(3, s, fixed(0.5))).toBe(8000);
  });

  it('random() close to 1 approaches the upper bound capped × (1 + jitter)', () => {
    const d = retryDelayMs(3, s, fixed(0.999_999));
    expect(d).toBeGreaterThan(9590);
    expect(d).toBeLessThanOrEqual(9600);
  });

  it('every value of random() in [0, 1) lands within ±jitter of the delay', () => {
    for (let i = 0; i < 200; i++) {
      const r = i / 200;
      const d = retryDelayMs(3, s, fixed(r));
      expect(d).toBeGreaterThanOrEqual(6400);
      expect(d).toBeLessThanOrEqual(9600);
      expect(d).toBe(Math.round(8000 * (1 + 0.2 * (2 * r - 1))));
    }
  });

  it('spreads around the capped value, not the raw exponential', () => {
    const capped = settings({ backoff_jitter: 0.1, backoff_max_ms: 10_000 });
    expect(retryDelayMs(30, capped, fixed(0))).toBe(9000);
    expect(retryDelayMs(30, capped, fixed(0.5))).toBe(10_000);
  });

  it('full jitter (1) never goes below 0', () => {
    const full = settings({ backoff_jitter: 1 });
    expect(retryDelayMs(3, full, fixed(0))).toBe(0);
    const d = retryDelayMs(3, full, fixed(0.75));
    expect(d).toBe(12_000);
  });

  it('uses Math.random by default and stays within bounds', () => {
    for (let i = 0; i < 100; i++) {
      const d = retryDelayMs(3, s);
      expect(d).toBeGreaterThanOrEqual(6400);
      expect(d).toBeLessThanOrEqual(9600);
    }
  });
});
