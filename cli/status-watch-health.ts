import type { StatusResult } from '../protocol/index.js';
import type { StatusState } from './status-view.js';

/**
 * How `status --watch` follows the health of a store on a server (PostgreSQL). The daemon pushes no event when
 * its store goes out of reach or comes back, and during an outage it pushes nothing at all (a JobsEvent carries
 * counts, read from the store), so the watch asks `status`, which answers in an outage too, every
 * HEALTH_POLL_MS, and every OUTAGE_POLL_MS while the store is out of reach (the workers' runs still end then,
 * and the return should show soon). SQLite is always reachable: a watch on it never asks.
 */

/** Between two health reads while the store answers. */
export const HEALTH_POLL_MS = 2_000;
/** Between two health reads while it does not. */
export const OUTAGE_POLL_MS = 1_000;

/** What a health read changed: nothing the watch must act on, the store lost, or the store back. */
export type HealthChange = 'same' | 'lost' | 'back';

/** Whether the watch needs health reads for this store at all. */
export function followsHealth(s: StatusState): boolean {
  return s.store.kind !== 'sqlite';
}

/**
 * Folds a `status` answer read for the store's health into the watch's state. While the store answers, the
 * events own the counts, queues and workers, so only a change of health is taken. Lost: the answer's
 * "not read" part replaces what the store said (StoreInfo), and the failures read from it are dropped (as plain
 * `status` shows none then). Out of reach: the workers are taken from each answer (no event brings them). Back:
 * the whole answer is taken; the caller reads the failures again.
 */
export function applyHealth(s: StatusState, status: StatusResult): HealthChange {
  const was = s.store.available;
  const now = status.store.available;
  if (was && now) return 'same';
  s.store = status.store;
  s.workers = status.workers;
  s.stopping ||= status.stopping;
  if (!was && !now) return 'same';
  s.counts = { ...status.counts };
  s.queues = status.queues;
  s.paused = status.paused;
  s.pausedSince = status.paused_since;
  if (now) return 'back';
  s.failures = null;
  return 'lost';
}
