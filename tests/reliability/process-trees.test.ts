import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { TestHome, hasProcess, uniqueSleep, waitFor } from '../helpers/daemon.js';

describe('timeouts and cancel kill the whole process tree', () => {
  let t: TestHome;
  afterEach(async () => {
    await t.dispose();
  });

  const job = (id: string) => t.show(id);
  const until = (id: string, state: Job['state'], ms?: number) => t.until(id, state, ms);

  it('a timeout kills the whole process tree and counts as a failed attempt', async () => {
    t = new TestHome();
    await t.start(1);
    const marker = uniqueSleep();
    const id = await t.ok(['enqueue', `sh -c '${marker} & ${marker}; wait'`, '--timeout', '1500ms', '--retries', '0']);
    await waitFor(() => hasProcess(marker), 5000, 'the job processes');
    const dead = await until(id, 'dead', 10_000);
    expect(dead.attempt_history[0]!.outcome).toBe('timed_out');
    expect(dead.last_error).toMatch(/timed out/);
    await waitFor(() => !hasProcess(marker), 5000, 'the tree to be killed');
  });

  it('cancel ends a running job with its whole process tree', async () => {
    t = new TestHome();
    await t.start(1);
    const marker = uniqueSleep();
    const running = await t.ok(['enqueue', `sh -c '${marker} & ${marker}; wait'`]);
    const waiting = await t.ok(['enqueue', 'true']);
    await until(running, 'processing', 5000);
    await waitFor(() => hasProcess(marker), 5000, 'the job process');
    expect(await t.ok(['cancel', running.slice(0, 6)])).toBe(`canceled ${running}`);
    await waitFor(() => !hasProcess(marker), 5000, 'the tree to be killed');
    expect((await job(running)).attempt_history[0]!.outcome).toBe('canceled');
    await until(waiting, 'completed');
    const again = await t.cli(['cancel', running]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/canceled/);
  });

  it('a canceled pending job never runs, and canceled is terminal', async () => {
    t = new TestHome();
    await t.start(1);
    // Long enough for the enqueue and cancel below on a loaded machine, while the one worker is busy.
    const blocker = await t.ok(['enqueue', 'sleep 3']);
    await until(blocker, 'processing', 5000);
    const waiting = await t.ok(['enqueue', 'echo ran']);
    const canceled = await t.json<Job>(['cancel', waiting]);
    expect(canceled.state).toBe('canceled');
    await until(blocker, 'completed');
    await new Promise((r) => setTimeout(r, 300));
    const after = await job(waiting);
    expect(after.state).toBe('canceled');
    expect(after.attempt_history).toEqual([]);
    expect(await t.ok(['logs', waiting])).toBe('');
    expect((await t.cli(['dlq', 'retry', waiting])).code).toBe(1);
  });
});
