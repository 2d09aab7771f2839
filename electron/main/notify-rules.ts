import type { Job } from '../../protocol/index.js';
import type { NotifyKind } from './notifications.js';
import { runDurationMs } from './notifications.js';

/**
 * Which notification, if any, a job that just ended gets:
 * - a job enqueued with `--notify` (the `notify` field) gets 'finished' when it completes or goes dead, while
 *   the "--notify jobs" preference is on (it is by default): the user asked for that job by name;
 * - any other dead job gets 'dead' while "notify on dead jobs" is on (as before);
 * - any job whose last run took at least `longJobSeconds` gets 'finished' (the long-job preference; off, null,
 *   by default);
 * - anything else: nothing.
 * One job end gives at most one notification; the batcher (notifications.ts) summarises bursts per kind.
 */
export interface NotifyRules {
  /** Notify when a job moves to the dead-letter queue. */
  dead: boolean;
  /** Honour `--notify` on jobs. */
  requested: boolean;
  /** Notify when any job whose run took at least this many seconds ends; null: off. */
  longJobSeconds: number | null;
}

/** Whether the job was enqueued with `--notify`. */
export function wantsNotice(job: Job): boolean {
  return job.notify === true;
}

export function noticeFor(job: Job, rules: NotifyRules): NotifyKind | null {
  if (job.state !== 'completed' && job.state !== 'dead') return null;
  if (rules.requested && wantsNotice(job)) return 'finished';
  if (job.state === 'dead' && rules.dead) return 'dead';
  if (rules.longJobSeconds !== null) {
    const took = runDurationMs(job);
    if (took !== null && took >= rules.longJobSeconds * 1000) return 'finished';
  }
  return null;
}

/** Whether a kind can be shown at all under these rules (checked again when a held batch is shown). */
export function kindEnabled(kind: NotifyKind, rules: NotifyRules): boolean {
  return kind === 'dead' ? rules.dead : rules.requested || rules.longJobSeconds !== null;
}
