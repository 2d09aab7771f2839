/** Which side of the gate a call is on. */
export type GateSide = 'remove' | 'enqueue';

/** One call through the gate. */
interface Passage {
  side: GateSide;
  /** The ids it may touch; null: any id (a removal that learns its ids from its own commit). */
  ids: ReadonlySet<string> | null;
  /** Settles once the call is through. */
  through: Promise<void>;
}

/**
 * Keeps removals of jobs and enqueues of jobs with chosen ids apart when they may share an id, in the order
 * they arrived. A store call is awaited, and on a server store the answer comes well after the commit: without
 * the gate, an enqueue committing after a removal of its id but before the removal's answer would keep the old
 * log, whose deletion (queued on that answer) would then take the new job's log; an enqueue whose insert lands
 * just after such a removal's commit, the same. Through the gate, the later of the two waits until the earlier
 * one's store call has answered and, for a removal, its logs are queued for deletion (JobLogs).
 *
 * Calls of one side never wait for each other, and an enqueue without chosen ids never comes here. Each call
 * waits only for calls that arrived before it, so none waits forever.
 */
export class RemovalGate {
  private readonly passing = new Set<Passage>();

  /**
   * Runs `work` once every earlier call of the other side that may share an id with `ids` is through; the call
   * is through when `work` (or the promise it answers) settles. Synchronous when nothing is in the way.
   */
  pass<T>(side: GateSide, ids: readonly string[] | null, work: () => T | Promise<T>): T | Promise<T> {
    const mine = ids === null ? null : new Set(ids);
    const earlier: Promise<void>[] = [];
    for (const other of this.passing) if (other.side !== side && overlap(other.ids, mine)) earlier.push(other.through);
    let release!: () => void;
    const passage: Passage = { side, ids: mine, through: new Promise<void>((resolve) => (release = resolve)) };
    this.passing.add(passage);
    const done = (): void => {
      this.passing.delete(passage);
      release();
    };
    const run = (): T | Promise<T> => {
      let result: T | Promise<T>;
      try {
        result = work();
      } catch (err) {
        done();
        throw err;
      }
      if (!(result instanceof Promise)) {
        done();
        return result;
      }
      return result.finally(done);
    };
    return earlier.length === 0 ? run() : Promise.all(earlier).then(run);
  }
}

/** Whether two calls may touch one id (null: any id). */
function overlap(a: ReadonlySet<string> | null, b: ReadonlySet<string> | null): boolean {
  if (a === null || b === null) return true;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const id of small) if (large.has(id)) return true;
  return false;
}
