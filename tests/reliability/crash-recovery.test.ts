import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Attempt, Job, StatusResult } from '../../protocol/index.js';
import { TestHome, hasProcess, isAlive, uniqueSleep, waitFor } from '../helpers/daemon.js';

type Shown = Job & { attempt_history: Attempt[] };

describe('crashes: nothing stuck in processing, nothing left running unsupervised', () => {
  let t: TestHome;
  afterEach(async () => {
    await t.dispose();
  });

  it('kill -9 of the daemon with 20 jobs running and 20 pending: no orphan keeps running, every job ends terminal, interrupted runs recorded', async () => {
    t = new TestHome();
    const pid = await t.start(20);
    await t.ok(['config', 'set', 'backoff_factor_ms', '0']);
    const marker = uniqueSleep(3);
    const lines = Array.from({ length: 40 }, () => `${marker}; true`).join('\n');
    const ids = (await t.ok(['enqueue', '--stdin', '--retries', '1'], { input: lines })).split('\n');
    const running = await waitFor(async () => {
      const s = await t.json<StatusResult>(['status']);
      return s.counts.processing === 20 ? s : undefined;
    }, 10_000, '20 running');
    expect(running.counts.pending).toBe(20);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), 5000, 'the daemon to die');
    await waitFor(() => !hasProcess(marker), 5000, 'the orphaned jobs to be killed by their workers');

    await t.start(20);
    const done = await waitFor(async () => {
      const s = await t.json<StatusResult>(['status']);
      return s.counts.completed === 40 ? s : undefined;
    }, 30_000, 'all 40 to complete');
    expect(done.counts.processing).toBe(0);
    let interrupted = 0;
    for (const id of ids) {
      const j = await t.json<Shown>(['show', id]);
      const outcomes = j.attempt_history.map((a) => a.outcome);
      expect(outcomes.filter((o) => o === 'completed')).toHaveLength(1);
      if (outcomes[0] === 'interrupted') interrupted++;
    }
    expect(interrupted).toBe(20);
    console.log(`daemon kill: 40 jobs enqueued, 20 interrupted and rerun, 40 completed exactly once each, 0 lost, 0 stuck`);
  });

  it('after kill -9 of the daemon, the interrupted run is recorded and the job is retried; its processes are gone', async () => {
    t = new TestHome();
    const pid = await t.start(1);
    await t.ok(['config', 'set', 'backoff_factor_ms', '0']);
    const marker = uniqueSleep();
    const id = await t.ok(['enqueue', `${marker}; true`, '--retries', '1']);
    const waiting = await t.ok(['enqueue', 'true']);
    await waitFor(() => hasProcess(marker), 5000, 'the job to run');
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), 5000, 'the daemon to die');
    await waitFor(() => !hasProcess(marker), 5000, 'the orphaned job to be killed by its worker');

    await t.start(1);
    await t.ok(['cancel', id]).catch(() => undefined);
    const j = await t.json<Shown>(['show', id]);
    expect(j.attempt_history[0]!.outcome).toBe('interrupted');
    expect(j.attempts).toBe(1);
    expect(t.daemonLog()).toMatch(new RegExp(`recovered job ${id}`));
    await waitFor(async () => (await t.json<Job>(['show', waiting])).state === 'completed', 10_000, 'the pending job to run');
    const s = await t.json<StatusResult>(['status']);
    expect(s.counts.processing).toBe(0);
  });

  it('an interrupted job with no retries left goes to the DLQ at start-up', async () => {
    t = new TestHome();
    const pid = await t.start(1);
    const id = await t.ok(['enqueue', uniqueSleep(), '--retries', '0']);
    await waitFor(async () => (await t.json<Job>(['show', id])).state === 'processing', 5000, 'processing');
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid), 5000, 'the daemon to die');
    await t.start(1);
    const j = await t.json<Shown>(['show', id]);
    expect(j.state).toBe('dead');
    expect(j.last_error).toMatch(/interrupted/);
  });

  it('kill -9 of a worker mid-job: the worker is replaced, the job retried, its process tree killed', async () => {
    t = new TestHome();
    await t.start(1);
    await t.ok(['config', 'set', 'backoff_factor_ms', '0']);
    const marker = uniqueSleep();
    const id = await t.ok(['enqueue', `test -e ${join(t.home, 'second')} || { touch ${join(t.home, 'second')}; sh -c '${marker} & ${marker}; wait'; }`, '--retries', '2']);
    const before = await waitFor(async () => {
      const s = await t.json<StatusResult>(['status']);
      return s.workers[0]?.job_id === id && hasProcess(marker) ? s : undefined;
    }, 5000, 'the job to run');
    const workerPid = before.workers[0]!.pid!;
    process.kill(workerPid, 'SIGKILL');
    await waitFor(() => !hasProcess(marker), 5000, 'the job tree to be killed');
    const done = await waitFor(async () => {
      const j = await t.json<Shown>(['show', id]);
      return j.state === 'completed' ? j : undefined;
    }, 10_000, 'the retry to complete');
    expect(done.attempt_history.map((a) => a.outcome)).toEqual(['crashed', 'completed']);
    expect(done.attempts).toBe(1);
    const after = await t.json<StatusResult>(['status']);
    expect(after.workers).toHaveLength(1);
    expect(after.workers[0]!.pid).not.toBe(workerPid);
    expect(readFileSync(join(t.home, 'daemon.log'), 'utf8')).toMatch(/died during job/);
  });
});
