import { onConnect } from './bridge.js';
import { latest } from './throttle.js';

/**
 * A view's copy of something no event announces (settings, schedules). `load` reads it: the answer goes to
 * `apply` unless a newer read has started since, a failure's message to `fail`. `watch` (from an $effect,
 * which returns what it returns) reads on arrival, after every reconnect, and whenever the user comes back
 * to this window or tab (events, not a timer). Coming back fires both focus and visibilitychange: one read
 * is enough, so a read started within 500 ms of the last one is skipped.
 */
export function rereadOnReturn<T>(
  read: () => Promise<T>,
  apply: (answer: T) => void,
  fail: (message: string) => void,
): { load(): Promise<void>; watch(): () => void } {
  const isLatest = latest();
  /** When the last read started (Date.now()). */
  let lastRead = 0;

  async function load(): Promise<void> {
    const current = isLatest();
    lastRead = Date.now();
    try {
      const answer = await read();
      if (!current()) return;
      apply(answer);
    } catch (err) {
      if (current()) fail(err instanceof Error ? err.message : String(err));
    }
  }

  function comeBack(): void {
    if (document.visibilityState === 'visible' && Date.now() - lastRead > 500) void load();
  }

  function watch(): () => void {
    void load();
    const stop = onConnect(() => void load());
    document.addEventListener('visibilitychange', comeBack);
    window.addEventListener('focus', comeBack);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', comeBack);
      window.removeEventListener('focus', comeBack);
    };
  }

  return { load, watch };
}
