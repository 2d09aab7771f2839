import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_NOTIFICATION, type JobsEvent, type QueueEvent } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

/**
 * The workers in JobsEvents follow the pool even when no job row changes: a canceled run whose process
 * ignores SIGTERM keeps its worker busy until the SIGKILL, and the event that frees the worker carries no job.
 */
describe('worker changes reach subscribers', () => {
  let t: TestHome;
  let client: RpcClient | null = null;
  afterEach(async () => {
    client?.close();
    await t.dispose();
  });

  it('a worker freed after a cancel (no job change) is announced with an empty jobs list', async () => {
    t = new TestHome();
    await t.start(1);
    client = await RpcClient.connect(t.home, 'worker-events-test');
    const events: JobsEvent[] = [];
    client.onNotification = (n) => {
      if (n.method === EVENT_NOTIFICATION && (n.params as QueueEvent).type === 'jobs') events.push(n.params as JobsEvent);
    };
    await client.call('events.subscribe', { jobs: true });
    const id = await t.ok(['enqueue', "trap '' TERM; sleep 8"]);
    await t.until(id, 'processing');
    await t.ok(['cancel', id]);
    const canceled = await waitFor(() => events.find((e) => e.jobs.some((j) => j.id === id && j.state === 'canceled')), 5000, 'the canceled event');
    expect(canceled.workers[0]?.job_id).toBe(id);
    const after = events.indexOf(canceled);
    const freed = await waitFor(() => events.slice(after + 1).find((e) => e.jobs.length === 0 && e.workers.every((w) => w.job_id === null)), 8000, 'the worker to be announced idle');
    expect(freed.counts.canceled).toBe(1);
    const status = await client.call('status', {});
    expect(status.workers.every((w) => w.job_id === null)).toBe(true);
  });
});
