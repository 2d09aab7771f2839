import type { JobReads } from '../api.js';
import type { Store } from '../index.js';

/** Reads of jobs and their runs (queries.ts, list-query.ts). */
export function jobReads(s: Store): JobReads {
  return {
    getJob: async (id) => s.getJob(id),
    resolveId: async (idOrPrefix) => s.resolveId(idOrPrefix),
    attempts: async (id) => s.attempts(id),
    environment: async (envId) => s.environment(envId),
    counts: async () => s.counts(),
    nextRunAt: async (now) => s.nextRunAt(now),
    listJobs: async (filter) => s.listJobs(filter),
    matchingIds: async (filter, limit) => s.matchingIds(filter, limit),
    countMatching: async (filter) => s.countMatching(filter),
  };
}
