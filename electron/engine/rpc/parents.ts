import { QueueError } from '../../../protocol/index.js';
import { describeForwardReference, findForwardReference } from '../../../protocol/dependencies.js';
import type { JobReads } from '../store/api.js';
import type { NewJob } from '../store/transitions/enqueue.js';

/** Names a job of the batch in messages: "job 3 of the batch", or nothing for a single enqueue. */
type Where = ((index: number) => string) | null;

export const inBatch = (index: number): string => `job ${index + 1} of the batch`;

/**
 * Turns each job's `after` (references as given, checked by validateSpec) into parent ids, before anything
 * is stored: an exact id wins, then a unique prefix, among the stored jobs and the ids chosen earlier in the
 * same batch. A reference to the job itself or to a later one (by id or prefix) is refused, showing the cycle
 * when it closes one; so is an unknown or ambiguous reference (INVALID_ARGUMENT naming it; in a batch, the
 * job's index too). A prefix is ambiguous when it fits more than one job among the stored ones and every id
 * chosen in the batch, the job's own and later ones included.
 */
export async function resolveParents(store: JobReads, jobs: NewJob[], where: Where): Promise<NewJob[]> {
  const forward = findForwardReference(jobs);
  if (forward !== null) {
    throw refused(describeForwardReference(forward, where ?? inBatch), forward.index, where, forward.parent, forward.target);
  }
  const chosenAt = new Map<string, number>();
  jobs.forEach((job, index) => {
    if (job.id !== null && !chosenAt.has(job.id)) chosenAt.set(job.id, index);
  });
  // One reference at a time, in order, so the error is about the first bad reference, as before.
  const resolved: NewJob[] = [];
  for (const [index, job] of jobs.entries()) {
    if (!job.after || job.after.length === 0) {
      resolved.push(job);
      continue;
    }
    const after: string[] = [];
    for (const ref of job.after) after.push(await resolveOne(store, ref, index, chosenAt, where));
    resolved.push({ ...job, after: [...new Set(after)] });
  }
  return resolved;
}

async function resolveOne(store: JobReads, ref: string, index: number, chosenAt: Map<string, number>, where: Where): Promise<string> {
  const at = chosenAt.get(ref);
  if ((at !== undefined && at < index) || (await store.getJob(ref)) !== null) return ref;
  // Every job the prefix could mean: stored, chosen earlier in the batch, and (to refuse them) the job itself
  // and later ones, so a prefix that also fits a later job is never resolved silently to an earlier one.
  const matches = new Set(await storedMatches(store, ref));
  let laterOrSelf: number | null = null;
  for (const [id, i] of chosenAt) {
    if (!id.startsWith(ref)) continue;
    matches.add(id);
    if (i >= index && laterOrSelf === null) laterOrSelf = i;
  }
  if (matches.size > 1) {
    const shown = [...matches].sort();
    const list = shown.slice(0, 5).join(', ') + (shown.length > 5 ? ', …' : '');
    throw refused(`after: "${ref}" matches several jobs (${list}); type more of the parent's id`, index, where, ref);
  }
  if (laterOrSelf !== null) {
    const id = [...matches][0]!;
    const cycle = laterOrSelf === index ? [id, id] : null;
    const message = describeForwardReference({ index, parent: ref, target: laterOrSelf, cycle }, where ?? inBatch);
    throw refused(message, index, where, ref, laterOrSelf);
  }
  if (matches.size === 1) return [...matches][0]!;
  throw refused(`after: no job with id or prefix "${ref}"; a parent must be enqueued before the jobs that wait for it`, index, where, ref);
}

/** Stored jobs whose id starts with `ref` (up to 5 when there are several). */
async function storedMatches(store: JobReads, ref: string): Promise<string[]> {
  try {
    return [await store.resolveId(ref)];
  } catch (err) {
    if (!(err instanceof QueueError)) throw err;
    if (err.code === 'JOB_NOT_FOUND') return [];
    if (err.code === 'AMBIGUOUS_ID') return err.details.matches as string[];
    throw err;
  }
}

/** INVALID_ARGUMENT naming the reference; in a batch also the job's index and, for a later job, its index (`target`). */
function refused(message: string, index: number, where: Where, parent: string, target?: number): QueueError {
  if (where === null) return new QueueError('INVALID_ARGUMENT', message, { parent });
  return new QueueError('INVALID_ARGUMENT', `${where(index)}: ${message}`, target === undefined ? { index, parent } : { index, parent, target });
}
