import type { QueuePauseResult } from '../../protocol/index.js';
import type { EventHub } from './events/hub.js';
import type { Scheduler } from './scheduler.js';
import type { Store } from './store/index.js';

/**
 * The queue's pause switch, shared by `queue.pause`/`queue.resume`, the tray and start-up: the state is
 * committed first, then applied to the scheduler (no new claims; running jobs go on), then announced.
 */
export class PauseSwitch {
  /** The committed state, kept in memory so readers (the tray) never touch the database. */
  private current = false;

  constructor(
    private readonly store: Store,
    private readonly scheduler: Scheduler,
    private readonly hub: EventHub,
    private readonly log: (message: string) => void,
  ) {}

  /** Applies the stored state at start-up: a queue paused before a restart stays paused. */
  restore(): void {
    const { paused, since } = this.store.pauseState();
    this.current = paused;
    this.scheduler.setPaused(paused);
    if (paused) this.log(`the queue is paused (since ${new Date(since ?? Date.now()).toISOString()}); no job starts until: queuectl resume`);
  }

  paused(): boolean {
    return this.current;
  }

  set(paused: boolean): QueuePauseResult {
    const before = this.store.pauseState();
    const after = this.store.setPaused(paused, Date.now());
    this.current = after.paused;
    this.scheduler.setPaused(after.paused);
    const paused_since = after.since === null ? null : new Date(after.since).toISOString();
    const changed = before.paused !== after.paused;
    if (changed) {
      this.log(after.paused ? 'queue paused: running jobs go on, no new job starts' : 'queue resumed');
      this.hub.queueChanged({ type: 'queue', paused: after.paused, paused_since, queues: this.store.queueInfos() });
    }
    return { queue: null, paused: after.paused, paused_since, changed };
  }
}
