import { describe, expect, it } from 'vitest';
import type { Store } from '../../electron/engine/store/index.js';
import { newJob, useTempStore } from '../helpers/store.js';

const T0 = Date.parse('2026-12-07T12:00:00Z');
const HOUR = 3_600_000;

/** job.run_now's transition: a delayed pending job becomes due now; nothing else moves. */
describe('store.runNow', () => {
  let store: Store;
  useTempStore('queuectl-run-now-', (t) => ({ store } = t));

  it('moves a delayed pending job to now, and a worker can claim it at once', () => {
    const job = store.enqueue(newJob({ run_at: T0 + 20 * HOUR }), T0);
    expect(store.claim(1, T0 + 1000)).toBeFalsy();
    const row = store.runNow(job.id, T0 + 1000)!;
    expect(row).toMatchObject({ id: job.id, state: 'pending', run_at: T0 + 1000, updated_at: T0 + 1000, attempts: 0 });
    expect(store.claim(1, T0 + 1000)?.job).toMatchObject({ id: job.id, state: 'processing' });
  });

  it('leaves a job already due, a running one, a finished one or a missing one alone (null)', () => {
    const due = store.enqueue(newJob(), T0);
    expect(store.runNow(due.id, T0 + 1000)).toBeNull();
    expect(store.getJob(due.id)!.run_at).toBe(T0);
    const running = store.enqueue(newJob({ run_at: T0 + HOUR }), T0);
    store.runNow(running.id, T0);
    // Worker 1 takes the older due job, worker 2 this one.
    store.claim(1, T0 + 1);
    store.claim(2, T0 + 1);
    expect(store.getJob(running.id)!.state).toBe('processing');
    expect(store.runNow(running.id, T0 + 2)).toBeNull();
    const canceled = store.enqueue(newJob({ run_at: T0 + HOUR }), T0);
    store.cancel(canceled.id, T0);
    expect(store.runNow(canceled.id, T0 + 1)).toBeNull();
    expect(store.getJob(canceled.id)!.run_at).toBe(T0 + HOUR);
    expect(store.runNow('no-such-job', T0)).toBeNull();
  });
});
