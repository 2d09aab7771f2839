import type { CleanStore } from '../api.js';
import type { Store } from '../index.js';

/** `jobs.clean` and retention, one bounded batch per call (transitions/clean.ts). */
export function cleanStore(s: Store): CleanStore {
  return {
    lastSeq: async () => s.lastSeq(),
    cleanBatch: async (filter, keep, limit) => s.cleanBatch(filter, keep, limit),
    countClean: async (filter, keep) => s.countClean(filter, keep),
    finishedCount: async () => s.finishedCount(),
    trimFinished: async (max, keep, limit) => s.trimFinished(max, keep, limit),
  };
}
