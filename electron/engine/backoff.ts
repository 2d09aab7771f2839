/** The settings that shape retry delays. */
export interface BackoffSettings {
  backoff_base: number;
  backoff_factor_ms: number;
  backoff_max_ms: number;
  backoff_jitter: number;
}

/**
 * Delay before retry n (n = failed runs so far, so the first retry has n = 1):
 * backoff_factor_ms × backoff_base^n, capped at backoff_max_ms, then spread by ±jitter.
 */
export function retryDelayMs(n: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const raw = settings.backoff_factor_ms === 0 ? 0 : settings.backoff_factor_ms * Math.pow(settings.backoff_base, n);
  const capped = Math.min(Number.isFinite(raw) ? raw : Infinity, settings.backoff_max_ms);
  const spread = settings.backoff_jitter ? 1 + settings.backoff_jitter * (2 * random() - 1) : 1;
  return Math.max(0, Math.round(capped * spread));
}

/**
 * Delays before retry n under the settings as they are when a run ends: what the finish and recovery
 * transitions are given, so a failed run and an interrupted one are spaced alike.
 */
export function currentRetryDelay(settings: { all(): BackoffSettings }): (n: number) => number {
  return (n) => retryDelayMs(n, settings.all());
}
