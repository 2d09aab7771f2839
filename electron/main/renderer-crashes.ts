/**
 * What to do when the dashboard's renderer process goes away: reload it, after a growing delay, unless it has
 * gone too often lately. A renderer that dies again at once on every load (a bad build, a page that runs out
 * of memory at start) would otherwise be reloaded in a tight loop, eating a core and flooding the log. After
 * the limit the window is left as it is and the reason logged; the user opening the dashboard again (tray,
 * notification, `queuectl ui`) starts afresh. glue/window.ts carries this out.
 */

export interface CrashPolicy {
  /** Reloads allowed within `windowMs`; the crash after them gives up. */
  maxReloads: number;
  windowMs: number;
  /** The first reload waits this long; each further one in the window twice as long. */
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_CRASH_POLICY: CrashPolicy = { maxReloads: 3, windowMs: 120_000, firstDelayMs: 1_000, maxDelayMs: 10_000 };

export type CrashDecision = { reload: true; delayMs: number } | { reload: false; reason: string };

/** Remembers recent crashes of one window's renderer and decides each time one goes. */
export class RendererCrashes {
  private times: number[] = [];

  constructor(private readonly policy: CrashPolicy = DEFAULT_CRASH_POLICY) {}

  /** The renderer went away at `now` for `reason` (Electron's render-process-gone details.reason). */
  crashed(now: number, reason: string): CrashDecision {
    this.times = this.times.filter((t) => now - t < this.policy.windowMs);
    this.times.push(now);
    const n = this.times.length;
    if (n > this.policy.maxReloads) {
      const minutes = Math.round(this.policy.windowMs / 60_000);
      return {
        reload: false,
        reason: `the dashboard's renderer went away ${n} times in ${minutes} min (last: ${reason}); not reloading it again until the dashboard is opened anew`,
      };
    }
    return { reload: true, delayMs: Math.min(this.policy.maxDelayMs, this.policy.firstDelayMs * 2 ** (n - 1)) };
  }

  /** The user asked for the dashboard again: crashes before this no longer count. */
  reset(): void {
    this.times = [];
  }
}
