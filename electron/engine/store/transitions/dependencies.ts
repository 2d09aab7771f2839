import type Database from 'better-sqlite3';
import type { JobRow } from '../rows.js';

/**
 * What a parent's end does to the jobs waiting for it (`enqueue --after`). Placeholder for the
 * dependency work in this change: returns no changed children yet.
 */
export function prepareDependencies(_db: Database.Database) {
  return {
    /**
     * Called in the same transaction as the parent's move to completed, dead or canceled: returns the
     * children (and their descendants) it changed, so the caller announces them.
     */
    settleDependents: (_parent: JobRow, _now: number): JobRow[] => [],
  };
}
