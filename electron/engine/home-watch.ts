import type { HomePaths } from '../../protocol/node/paths.js';
import { identityOf, type Log } from './home-files.js';
import { StorageLostError } from './store/storage-error.js';

/** How often the watch looks at the data directory (the check before each write does not wait for it). */
export const HOME_WATCH_INTERVAL_MS = 1000;

/**
 * Notices that the data directory or the database under a running daemon was removed or replaced (`rm
 * queuectl.db*`, another database moved over it, the home moved away or swapped for a link): the daemon's
 * open file is then one nobody will read again, so acknowledging a write into it would lose it.
 *
 * `checkWrites` runs before every transaction (store/open.ts `guardWrites`): it compares what the paths
 * name now (lstat: dev and inode) with what they named when the database was opened. Once they differ the
 * daemon refuses every write for good (StorageLostError, answered as STORAGE_ERROR, which also pauses the
 * scheduler and the cron loop), logs it once, and stops repairing anything in the home: it may not be ours.
 * `tick` does the same check on a timer and then runs the repairs (logs/, daemon.pid, the socket).
 */
export class HomeWatch {
  private readonly homeId: string | null;
  private readonly databaseId: string | null;
  private walId: string | null;
  private lost: string | null = null;
  private readonly failed = new Set<string>();

  constructor(
    private readonly paths: HomePaths,
    private readonly log: Log,
  ) {
    this.homeId = identityOf(paths.home);
    this.databaseId = identityOf(paths.database);
    this.walId = identityOf(`${paths.database}-wal`);
  }

  /** Throws StorageLostError once the database or the home is not the one opened at start-up. */
  checkWrites(): void {
    const reason = this.lostReason();
    if (reason !== null) throw new StorageLostError(reason);
  }

  /** Why writes are refused, or null while the database is the one opened at start-up. */
  lostReason(alsoHome = false): string | null {
    if (this.lost === null) {
      this.lost = this.changed(alsoHome);
      if (this.lost !== null) this.log(`${this.lost}: this daemon refuses every write from now on; restart it (queuectl worker stop, then queuectl worker start)`);
    }
    return this.lost;
  }

  /** Whether writes were found refused already (no new check: the last write or the timer made it). */
  get isLost(): boolean {
    return this.lost !== null;
  }

  /** The timer's round: the check above, then each repair (a failure is logged once per repair). */
  tick(repairs: Record<string, () => void>): void {
    if (this.lostReason(true) !== null) return;
    for (const [what, repair] of Object.entries(repairs)) {
      try {
        repair();
        this.failed.delete(what);
      } catch (err) {
        if (!this.failed.has(what)) this.log(`could not repair ${what}: ${err instanceof Error ? err.message : String(err)}`);
        this.failed.add(what);
      }
    }
  }

  /** Two lstat calls before each write (a few µs); the home is looked at only to word the message, or on the timer. */
  private changed(alsoHome = false): string | null {
    const { home, database } = this.paths;
    const homeMoved = (): boolean => identityOf(home) !== this.homeId;
    if (alsoHome && homeMoved()) return `the data directory ${home} was removed or replaced`;
    if (identityOf(database) !== this.databaseId) {
      return homeMoved() ? `the data directory ${home} was removed or replaced` : `the database file ${database} was removed or replaced`;
    }
    const wal = identityOf(`${database}-wal`);
    if (this.walId === null) this.walId = wal;
    else if (wal !== this.walId) return `the database's write-ahead log ${database}-wal was removed or replaced`;
    return null;
  }
}
