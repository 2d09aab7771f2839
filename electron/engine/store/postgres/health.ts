import type { StoreHealth } from '../api.js';

/** First wait before trying the server again, and the longest: 250 ms doubling to 5 s. */
const FIRST_RETRY_MS = 250;
const LONGEST_RETRY_MS = 5_000;

/**
 * The wait before reconnect try number `n` (0-based): 250 ms doubling to 5 s, each drawn between half and all
 * of that, so daemons that lost the same server do not all knock at the same instant when it comes back.
 */
export function reconnectDelay(n: number, random: () => number = Math.random): number {
  const ceiling = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(n, 16));
  return Math.round(ceiling * (0.5 + random() / 2));
}

export interface ReachabilityOptions {
  /** One cheap round trip to the server; throws while it cannot be reached. */
  probe: () => Promise<void>;
  /** The one-line reason a probe failed (password masked). */
  describe: (err: unknown) => string;
  /** Where the two transitions are told, once each way. */
  log: (msg: string) => void;
  now?: () => number;
}

/**
 * Whether the server answers, as seen from the store's own calls (StoreLifecycle.health): a call that could
 * not reach it marks the store unavailable and starts a background probe with backoff; the probe, or any call
 * that gets an answer, marks it available again. Each transition is logged once. The probe's timer never keeps
 * the process alive, and close() ends it.
 */
export class Reachability {
  private since: number | null = null;
  private lastError: string | null = null;
  private tries = 0;
  private timer: NodeJS.Timeout | null = null;
  private probing = false;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: ReachabilityOptions) {
    this.now = options.now ?? Date.now;
  }

  health(): StoreHealth {
    return { available: this.since === null, unavailableSince: this.since, lastError: this.lastError };
  }

  /** A call could not reach the server, for `reason` (one line, masked). */
  lost(reason: string): void {
    if (this.closed) return;
    this.lastError = reason;
    if (this.since !== null) return;
    this.since = this.now();
    this.tries = 0;
    this.options.log(`store unavailable: ${reason}; reconnecting`);
    this.scheduleProbe();
  }

  /** A call got an answer from the server. */
  reached(): void {
    if (this.since === null) return;
    const seconds = (this.now() - this.since) / 1000;
    this.since = null;
    this.lastError = null;
    this.cancelProbe();
    this.options.log(`store reachable again after ${seconds.toFixed(1)} s`);
  }

  close(): void {
    this.closed = true;
    this.cancelProbe();
  }

  /** At most one probe waits or runs at a time. */
  private scheduleProbe(): void {
    if (this.timer !== null || this.probing || this.closed) return;
    this.timer = setTimeout(() => void this.runProbe(), reconnectDelay(this.tries++));
    this.timer.unref();
  }

  private cancelProbe(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async runProbe(): Promise<void> {
    this.timer = null;
    this.probing = true;
    let failure: { err: unknown } | null = null;
    try {
      await this.options.probe();
    } catch (err) {
      failure = { err };
    }
    this.probing = false;
    if (this.closed || this.since === null) return;
    if (failure === null) return this.reached();
    this.lastError = this.options.describe(failure.err);
    this.scheduleProbe();
  }
}
