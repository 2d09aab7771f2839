import type Database from 'better-sqlite3';

/**
 * Remembers the process group of a running attempt, so a restart after a crash can kill what the crash
 * left running. Called inside the scheduler's transactions (no transaction of its own).
 */
export function prepareRecordPgid(db: Database.Database) {
  const set = db.prepare<[number, string | null, string, number]>(
    `UPDATE attempts SET pgid = ?, pgid_identity = ? WHERE job_id = ? AND number = ?`,
  );
  return (id: string, attempt: number, pgid: number, identity: string | null): void => {
    set.run(pgid, identity, id, attempt);
  };
}
