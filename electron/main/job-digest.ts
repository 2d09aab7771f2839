import type { Job, JobsEvent } from '../../protocol/index.js';

/**
 * What a JobsEvent means for the tray and the notifications: which jobs just went dead and which just
 * completed (notify-rules.ts decides which of them the user hears about). A job appears in an event because it
 * changed, so its state there is new; the key id + updated_at makes sure one change is counted once even if it
 * is seen twice.
 */
export interface JobDigest {
  newlyDead: Job[];
  newlyCompleted: Job[];
  /** More dead jobs than listed may have appeared (the event was truncated): the dead count went up by this. */
  uncountedDead: number;
}

/** Remembers the last `capacity` changes it has seen, so a repeated event is not counted twice. */
export class SeenChanges {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity = 5000) {}

  /** True the first time this change of this job is offered. */
  first(job: Job): boolean {
    const key = `${job.id}\u0000${job.updated_at}\u0000${job.state}`;
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return true;
  }
}

export function digestJobsEvent(event: JobsEvent, seen: SeenChanges, previousDead: number | null): JobDigest {
  const newlyDead: Job[] = [];
  const newlyCompleted: Job[] = [];
  for (const job of event.jobs) {
    if (job.state === 'dead' && seen.first(job)) newlyDead.push(job);
    else if (job.state === 'completed' && seen.first(job)) newlyCompleted.push(job);
  }
  const rise = previousDead === null ? 0 : event.counts.dead - previousDead;
  const uncountedDead = event.truncated ? Math.max(0, rise - newlyDead.length) : 0;
  return { newlyDead, newlyCompleted, uncountedDead };
}
