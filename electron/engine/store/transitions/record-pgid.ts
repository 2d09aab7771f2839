import type Database from 'better-sqlite3';

/**
 * Remembers the process group of a running attempt, so a restart after a crash can kill it.
 * Committed without an fsync (synchronous=NORMAL for this one transaction): it survives a crash of the
 * daemon, which is what it is for; after a power loss the processes are gone anyway.
 */
export function prepareRecordPgid(db: Database.Database) {
  const set = db.prepare<[number, string, number]>(`UPDATE attempts SET pgid = ? WHERE job_id = ? AND number = ?`);
  const write = db.transaction((id: string, attempt: number, pgid: number): void => {
    set.run(pgid, id, attempt);
  });
  return (id: string, attempt: number, pgid: number): void => {
    db.pragma('synchronous = NORMAL');
    try {
      write(id, attempt, pgid);
    } finally {
      db.pragma('synchronous = FULL');
    }
  };
}
