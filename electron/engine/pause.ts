import type { QueuePauseResult } from '../../protocol/index.js';
import type { EventHub } from './events/hub.js';
import type { Scheduler } from './scheduler.js';
import type { StoreApi } from './store/api.js';
import type { JobRow } from './store/rows.js';

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * The pause switches, shared by `queue.pause`/`queue.resume`, the tray and start-up: the one that holds
 * every queue (pause_all; kept in the scheduler's memory) and each named queue's own (read by claims from
 * the queues table). A change is committed first, then applied (no new claims; running jobs go on;
 * resuming wakes the scheduler), then logged and announced as a `queue` event.
 */
export class PauseSwitch {
  /** The committed state of the switch over every queue, kept in memory so readers (the tray) never touch the database. */
  private current = false;

  constructor(
    private readonly store: StoreApi,
    private readonly scheduler: Pick<Scheduler, 'setPaused' | 'wake'>,
    private readonly hub: Pick<EventHub, 'queueChanged'>,
    private readonly log: (message: string) => void,
  ) {}

  /** Applies the stored state at start-up: a queue paused before a restart stays paused (and says so in the log). */
  async restore(): Promise<void> {
    const { paused, since } = await this.store.pauseState();
    this.current = paused;
    this.scheduler.setPaused(paused);
    if (paused) this.log(`every queue is paused (since ${new Date(since ?? Date.now()).toISOString()}); no job starts until: queuectl resume`);
    for (const q of await this.store.queueInfos()) {
      if (!q.paused) continue;
      const why = q.paused_reason === null ? '' : `: ${q.paused_reason}`;
      this.log(`queue ${q.name} is paused (since ${q.paused_since}${why}); none of its jobs starts until: queuectl resume --queue ${q.name}`);
    }
  }

  paused(): boolean {
    return this.current;
  }

  /** Pauses or resumes every queue at once (`queuectl pause` without --queue, the tray). */
  async set(paused: boolean): Promise<QueuePauseResult> {
    const before = await this.store.pauseState();
    const after = await this.store.setPaused(paused, Date.now());
    this.current = after.paused;
    this.scheduler.setPaused(after.paused);
    const changed = before.paused !== after.paused;
    if (changed) {
      this.log(after.paused ? 'every queue paused: running jobs go on, no new job starts' : 'every queue resumed');
      await this.announce();
    }
    return { queue: null, paused: after.paused, paused_since: isoOrNull(after.since), changed };
  }

  /** Pauses or resumes one named queue; null when there is no queue of that name (nothing is created). */
  async setQueue(name: string, paused: boolean): Promise<QueuePauseResult | null> {
    const result = await this.store.setQueuePaused(name, paused, Date.now());
    if (result === null) return null;
    const info = (await this.store.queueInfo(name))!;
    if (result.changed) {
      this.log(paused ? `queue ${name} paused: its running jobs go on, none of its jobs starts` : `queue ${name} resumed`);
      await this.announce();
      if (!paused) this.scheduler.wake();
    }
    return { queue: name, paused: info.paused, paused_since: info.paused_since, changed: result.changed };
  }

  /** pause_on_dead paused `queue` (already committed) because job `jobId` went dead. */
  async pausedOnDead(queue: string, jobId: string): Promise<void> {
    try {
      // Names the job in paused_reason when the pause was stored without it; a no-op once it was.
      await this.store.notePausedOnDead(queue, jobId);
    } catch (err) {
      this.log(`could not store why queue ${queue} paused (job ${jobId} went dead): ${err instanceof Error ? err.message : String(err)}`);
    }
    this.log(`queue ${queue} paused: job ${jobId} went dead (pause_on_dead); resume with: queuectl resume --queue ${queue}`);
    await this.announce();
  }

  /** Start-up recovery made these jobs dead: pauses the queues that asked for it (pause_on_dead). */
  async recoveredDead(rows: readonly JobRow[]): Promise<void> {
    if (!rows.some((row) => row.state === 'dead')) return;
    for (const { queue, jobId } of await this.store.pauseQueuesOnDead(rows, Date.now())) await this.pausedOnDead(queue, jobId);
  }

  /** Tells job subscribers the pause state and every queue's settings as they are now. */
  async announce(): Promise<void> {
    const { paused, since } = await this.store.pauseState();
    this.hub.queueChanged({ type: 'queue', paused, paused_since: isoOrNull(since), queues: await this.store.queueInfos() });
  }
}
