import { MAX_SELECTED_IDS } from '../../../protocol/index.js';
import type { JobReads } from '../store/api.js';
import { invalid } from './params.js';

/**
 * The jobs a multi-job method names: a non-empty array of at most MAX_SELECTED_IDS ids or unique prefixes,
 * each resolved (JOB_NOT_FOUND / AMBIGUOUS_ID name the one that failed), duplicates dropped, order kept.
 */
export async function resolveSelectedIds(store: JobReads, value: unknown, field: string): Promise<string[]> {
  if (!Array.isArray(value)) throw invalid(`${field} must be an array of job ids`);
  if (value.length === 0) throw invalid(`${field} must name at least one job`);
  if (value.length > MAX_SELECTED_IDS) throw invalid(`${field} may name at most ${MAX_SELECTED_IDS} jobs per call, got ${value.length}; send them in several calls`);
  const ids = new Set<string>();
  for (const [index, id] of value.entries()) {
    if (typeof id !== 'string') throw invalid(`${field}[${index}] must be a string`);
    ids.add(await store.resolveId(id));
  }
  return [...ids];
}
