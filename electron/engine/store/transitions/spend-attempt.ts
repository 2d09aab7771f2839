/**
 * SET clause shared by every transition that counts a failed run: one more attempt; dead when that exceeds
 * max_retries, otherwise failed with the retry due at @now + @delay.
 */
export const SPEND_ATTEMPT = `attempts = attempts + 1,
      state = CASE WHEN attempts + 1 > max_retries THEN 'dead' ELSE 'failed' END,
      run_at = CASE WHEN attempts + 1 > max_retries THEN run_at ELSE @now + @delay END`;
