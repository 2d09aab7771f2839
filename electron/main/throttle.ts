import { SYSTEM_CLOCK, type Clock } from './notifications.js';

/**
 * Runs `work` at most once per `intervalMs`: the first request runs at once, later ones within the interval
 * are folded into one trailing run at its end. The tray uses it so that a busy queue (a JobsEvent every 100 ms)
 * rebuilds the menu and tooltip about once a second, not ten times.
 */
export class Throttle {
  private lastRun = -Infinity;
  private timer: unknown = null;

  constructor(
    private readonly work: () => void,
    private readonly intervalMs = 1000,
    private readonly clock: Clock = SYSTEM_CLOCK,
  ) {}

  request(): void {
    if (this.timer !== null) return;
    const wait = this.lastRun + this.intervalMs - this.clock.now();
    if (wait <= 0) return this.run();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.run();
    }, wait);
  }

  /** Drops a pending run (the tray is going away). */
  cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private run(): void {
    this.lastRun = this.clock.now();
    this.work();
  }
}
