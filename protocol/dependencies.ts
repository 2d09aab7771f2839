/**
 * Order checks for jobs enqueued together (`enqueue.batch`, `enqueue --stdin`): a job's `after` may name a job
 * chosen earlier in the same batch, never one that comes later or the job itself. Shared by the daemon and
 * the CLI, which checks before sending so a batch split in several calls stores nothing when it is wrong.
 */

/** What matters of one job of a batch here: its chosen id (if any) and its parents as given. */
export interface BatchItem {
  id?: unknown;
  after?: unknown;
}

/** A job of a batch that names a parent which is not earlier in the batch. */
export interface ForwardReference {
  /** Index (from 0) of the job whose `after` names the parent. */
  index: number;
  /** The parent as given. */
  parent: string;
  /** Index of the job with that id: the same job or a later one. */
  target: number;
  /**
   * Chosen ids around the cycle this reference closes, the first repeated at the end (["a", "b", "a"]: a
   * waits for b, which waits for a); null when the later job does not lead back (the order is only wrong).
   */
  cycle: string[] | null;
}

/** The parents of a job as given, when they are a list of strings (anything else is the daemon's to refuse). */
function parentsOf(item: BatchItem): string[] {
  return Array.isArray(item.after) ? item.after.filter((p): p is string => typeof p === 'string') : [];
}

/**
 * The first job (in batch order) whose `after` names its own chosen id or one chosen by a later job, or null.
 * Only exact ids count here; prefixes are resolved by the daemon against the jobs before it.
 */
export function findForwardReference(items: readonly BatchItem[]): ForwardReference | null {
  const indexOf = new Map<string, number>();
  items.forEach((item, index) => {
    if (typeof item.id === 'string' && !indexOf.has(item.id)) indexOf.set(item.id, index);
  });
  if (indexOf.size === 0) return null;
  for (const [index, item] of items.entries()) {
    for (const parent of parentsOf(item)) {
      const target = indexOf.get(parent);
      if (target !== undefined && target >= index) return { index, parent, target, cycle: cycleThrough(items, indexOf, index, target) };
    }
  }
  return null;
}

/** The shortest path of "waits for" edges from `target` back to `start`, as chosen ids, or null. */
function cycleThrough(items: readonly BatchItem[], indexOf: Map<string, number>, start: number, target: number): string[] | null {
  const cameFrom = new Map<number, number>([[target, -1]]);
  const queue = [target];
  while (queue.length > 0) {
    const at = queue.shift()!;
    if (at === start) {
      const path: number[] = [];
      for (let step = at; step !== -1; step = cameFrom.get(step)!) path.unshift(step);
      return [start, ...path].map((i) => items[i]!.id as string);
    }
    for (const parent of parentsOf(items[at]!)) {
      const next = indexOf.get(parent);
      if (next === undefined || cameFrom.has(next)) continue;
      cameFrom.set(next, at);
      queue.push(next);
    }
  }
  return null;
}

/** The problem in words; `where(index)` names a job of the batch ("job 3 of the batch", "line 7"). */
export function describeForwardReference(ref: ForwardReference, where: (index: number) => string): string {
  if (ref.cycle !== null) {
    const self = ref.index === ref.target ? '; a job cannot wait for itself' : '; each waits for the next';
    return `dependency cycle: ${ref.cycle.join(' → ')}${self}`;
  }
  return `after names "${ref.parent}", which comes later (${where(ref.target)}); list parents before the jobs that wait for them`;
}
