import type Database from 'better-sqlite3';
import type { JobState, ListSort } from '../../../protocol/index.js';
import type { JobRow } from './rows.js';

/** What `list` asks the store for; every field already checked by the handler. */
export interface ListFilter {
  state?: JobState;
  /** Only jobs of this named queue. */
  queue?: string;
  /** Case-insensitive substring of the command or the name; empty or missing matches every job. */
  search?: string;
  /** true: only pending or failed jobs whose run_at is ahead (not due yet); false: every other job. */
  scheduled?: boolean;
  /** Epoch ms bounds, `after` inclusive and `before` exclusive. */
  createdAfter?: number;
  createdBefore?: number;
  finishedAfter?: number;
  finishedBefore?: number;
  sort: ListSort;
  order: 'asc' | 'desc';
  offset: number;
  limit: number;
}

/** The filter part of a ListFilter: which jobs match, in whatever order. */
export type Matching = Pick<ListFilter, 'state' | 'queue' | 'search' | 'scheduled' | 'createdAfter' | 'createdBefore' | 'finishedAfter' | 'finishedBefore'>;

/** Each date bound: its column and comparison. */
const BOUNDS = [
  ['createdAfter', 'created_at >= ?'],
  ['createdBefore', 'created_at < ?'],
  ['finishedAfter', 'finished_at >= ?'],
  ['finishedBefore', 'finished_at < ?'],
] as const;

/** The ORDER BY key of each sort; ties always fall back to enqueue order (seq), in the same direction. */
const SORT_KEYS: Record<ListSort, string> = {
  created: 'seq',
  updated: 'updated_at',
  priority: 'priority',
  attempts: 'attempts',
  state: 'state',
  command: 'command COLLATE NOCASE',
  queue: 'queue',
  name: 'name COLLATE NOCASE',
  started: 'started_at',
  finished: 'finished_at',
  duration: 'finished_at - started_at',
};

/** `%`, `_` and the escape character itself match literally in a search. */
export function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Pages of jobs for `list` and the dashboard, filtered by state, queue and search, sorted, and counted (the count
 * honours the filters). SQL is built from fixed pieces only (values are bound) and prepared once per shape.
 */
export function prepareList(db: Database.Database) {
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string): Database.Statement => {
    let stmt = statements.get(sql);
    if (!stmt) statements.set(sql, (stmt = db.prepare(sql)));
    return stmt;
  };

  function where(filter: Matching): { sql: string; values: unknown[] } {
    const terms: string[] = [];
    const values: unknown[] = [];
    if (filter.state) {
      terms.push('state = ?');
      values.push(filter.state);
    }
    if (filter.queue) {
      terms.push('queue = ?');
      values.push(filter.queue);
    }
    if (filter.scheduled !== undefined) {
      terms.push(`${filter.scheduled ? '' : 'NOT '}(state IN ('pending','failed') AND run_at > ?)`);
      values.push(Date.now());
    }
    for (const [field, term] of BOUNDS) {
      if (filter[field] === undefined) continue;
      terms.push(term);
      values.push(filter[field]);
    }
    if (filter.search) {
      terms.push(`(command LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')`);
      const pattern = likePattern(filter.search);
      values.push(pattern, pattern);
    }
    return { sql: terms.length ? `WHERE ${terms.join(' AND ')}` : '', values };
  }

  return {
    /**
     * One page of matching jobs, in the order asked for. The page is chosen on the sort key and seq alone
     * (from an index where one exists), and only its rows are read in full: sorting whole rows of 100,000
     * jobs to keep 50 costs twice as much.
     */
    listJobs(filter: ListFilter): JobRow[] {
      const w = where(filter);
      const dir = filter.order === 'asc' ? 'ASC' : 'DESC';
      const key = SORT_KEYS[filter.sort];
      const sql = `SELECT jobs.* FROM (
          SELECT seq, ${key} AS k FROM jobs ${w.sql} ORDER BY k ${dir}, seq ${dir} LIMIT ? OFFSET ?
        ) AS page JOIN jobs ON jobs.seq = page.seq ORDER BY page.k ${dir}, page.seq ${dir}`;
      return prepared(sql).all(...w.values, filter.limit, filter.offset) as JobRow[];
    },

    /**
     * The ids of the jobs matching the filter, in enqueue order, at most `limit` (`jobs.bulk` asks for one
     * more than it allows, to know when a filter matches too many).
     */
    matchingIds(filter: Matching, limit: number): string[] {
      const w = where(filter);
      return prepared(`SELECT id FROM jobs ${w.sql} ORDER BY seq LIMIT ?`).pluck().all(...w.values, limit) as string[];
    },

    /** How many jobs match a search (with or without a state and queue); plain totals come from the state counters. */
    countMatching(filter: Matching): number {
      const w = where(filter);
      return (prepared(`SELECT COUNT(*) AS n FROM jobs ${w.sql}`).get(...w.values) as { n: number }).n;
    },
  };
}
