import type { JobState } from '../../../protocol/job.js';
import type { BulkAction } from '../../../protocol/methods.js';

/** The states each bulk action takes a job from (as the engine's own methods do); a selection outside them is refused. */
const FITS: Record<BulkAction, readonly JobState[]> = {
  retry: ['failed', 'dead', 'canceled', 'completed'],
  cancel: ['pending', 'failed', 'processing'],
  remove: ['completed', 'dead', 'canceled'],
};

export function fits(action: BulkAction, state: JobState): boolean {
  return FITS[action].includes(state);
}

/** The button's verb: "remove" reads "Delete" to people. */
export const BULK_VERBS: Record<BulkAction, string> = { retry: 'Retry', cancel: 'Cancel', remove: 'Delete' };

/** What the confirmation says will happen to `what` ("3 dead jobs"). */
export function bulkQuestion(action: BulkAction, what: string): string {
  if (action === 'retry') return `Run ${what} again from the start? Each goes back to pending with its retries reset.`;
  if (action === 'cancel') return `Cancel ${what}? Running ones are stopped, and jobs waiting for them are canceled too.`;
  return `Delete ${what} and their logs? This cannot be undone.`;
}

/** The toast after it happened: "Retried 3 jobs.", "Canceled 1 job.", "Deleted 40 jobs.". */
export function bulkDone(action: BulkAction, what: string): string {
  return `${{ retry: 'Retried', cancel: 'Canceled', remove: 'Deleted' }[action]} ${what}.`;
}
