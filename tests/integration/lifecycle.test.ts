import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job, StatusResult } from '../../protocol/index.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

describe('queuectl end to end (real daemon, built CLI)', () => {
  let t: TestHome;
  afterEach(async () => {
    await t.dispose();
  });

  const job = (id: string) => t.show(id);
  const until = (id: string, state: Job['state'], ms?: number) => t.until(id, state, ms);

  it('a successful job completes with attempts 0, its output in the log', async () => {
    t = new TestHome();
    await t.start(1);
    const id = await t.ok(['enqueue', 'echo hello from $QUEUECTL_JOB_ID']);
    expect(id).toMatch(/^[0-9a-z]{8}$/);
    const done = await until(id, 'completed');
    expect(done.attempts).toBe(0);
    expect(done.exit_code).toBe(0);
    expect(done.attempt_history).toHaveLength(1);
    expect(done.attempt_history[0]!.outcome).toBe('completed');
    expect(await t.ok(['logs', id])).toBe(`hello from ${id}`);
  });

  it('exit 1 with --retries 2 runs 3 times, waits as failed between runs, ends dead; dlq retry runs it again', async () => {
    t = new TestHome();
    await t.start(1);
    await t.ok(['config', 'set', 'backoff_factor_ms', '1000']);
    const id = await t.ok(['enqueue', 'exit 1', '--retries', '2']);
    const waiting = await until(id, 'failed', 5000);
    expect(waiting.attempts).toBe(1);
    expect(Date.parse(waiting.run_at)).toBeGreaterThan(Date.parse(waiting.finished_at!));
    const dead = await until(id, 'dead', 20_000);
    expect(dead.attempts).toBe(3);
    expect(dead.attempt_history.map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed']);
    expect(dead.last_error).toContain('exited with code 1');
    const dlq = await t.json<Job[]>(['dlq', 'list']);
    expect(dlq.map((j) => j.id)).toEqual([id]);

    const retried = await t.json<{ count: number; jobs: Job[] }>(['dlq', 'retry', id]);
    expect(retried.count).toBe(1);
    expect(retried.jobs[0]).toMatchObject({ id, state: 'pending', attempts: 0 });
    const again = await waitFor(async () => {
      const j = await job(id);
      return j.attempt_history.length >= 4 ? j : undefined;
    }, 15_000, 'a fourth run');
    expect(again.attempt_history[3]!.number).toBe(4);
  });

  it('3 workers and 5 slow jobs: 3 processing and 2 pending at once, then all completed and every worker idle', async () => {
    t = new TestHome();
    await t.start(3);
    const ids = (await t.ok(['enqueue', '--stdin'], { input: 'sleep 3\n'.repeat(5) })).split('\n');
    expect(ids).toHaveLength(5);
    const busy = await waitFor(async () => {
      const s = await t.json<StatusResult>(['status']);
      return s.counts.processing === 3 ? s : undefined;
    }, 5000, '3 processing');
    expect(busy.counts.pending).toBe(2);
    expect(busy.workers.filter((w) => w.job_id !== null)).toHaveLength(3);
    const idle = await waitFor(async () => {
      const s = await t.json<StatusResult>(['status']);
      return s.counts.completed === 5 ? s : undefined;
    }, 20_000, 'all completed');
    expect(idle.workers).toHaveLength(3);
    expect(idle.workers.every((w) => w.job_id === null)).toBe(true);
    expect(idle.counts.processing + idle.counts.pending).toBe(0);
  });

  it('40 jobs across 2 workers each run exactly once (marker files)', async () => {
    t = new TestHome();
    const markers = mkdtempSync(join(tmpdir(), 'qctl-markers-'));
    try {
      await t.start(2);
      const lines = Array.from({ length: 40 }, (_, i) => `sleep 0.05; echo run >> ${markers}/${i}.txt`).join('\n');
      const ids = (await t.ok(['enqueue', '--stdin'], { input: lines })).split('\n');
      expect(ids).toHaveLength(40);
      await waitFor(async () => (await t.json<StatusResult>(['status'])).counts.completed === 40, 20_000, '40 completed');
      const files = readdirSync(markers);
      expect(files).toHaveLength(40);
      for (const f of files) expect(readFileSync(join(markers, f), 'utf8')).toBe('run\n');
      const workersUsed = new Set<number | null>();
      for (const id of ids.slice(0, 40)) workersUsed.add((await job(id)).attempt_history[0]!.worker_id);
      expect([...workersUsed].sort()).toEqual([1, 2]);
    } finally {
      rmSync(markers, { recursive: true, force: true });
    }
  });

  it('jobs, the DLQ and config survive a daemon restart', async () => {
    t = new TestHome();
    await t.start(1);
    await t.ok(['config', 'set', 'max-retries', '0']);
    await t.ok(['config', 'set', 'backoff_factor_ms', '10']);
    const done = await t.ok(['enqueue', 'true']);
    const dead = await t.ok(['enqueue', 'exit 3']);
    await until(done, 'completed');
    await until(dead, 'dead');
    await t.ok(['worker', 'stop']);
    expect(await t.answers()).toBe(false);

    await t.start(1);
    expect(await t.ok(['config', 'get', 'max_retries'])).toBe('0');
    expect(await t.ok(['config', 'get', 'backoff-factor-ms'])).toBe('10');
    expect((await job(done)).state).toBe('completed');
    const dlq = await t.json<Job[]>(['dlq', 'list']);
    expect(dlq.map((j) => [j.id, j.exit_code])).toEqual([[dead, 3]]);
  });

  it('worker stop lets the running job finish and starts no new one', async () => {
    t = new TestHome();
    await t.start(1);
    const running = await t.ok(['enqueue', 'sleep 3; echo finished']);
    const next = await t.ok(['enqueue', 'echo should-not-run']);
    await until(running, 'processing', 5000);
    const stop = await t.cli(['worker', 'stop']);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/stopped/);
    await t.start(1);
    // Inspect right after the restart: the first job finished before the stop, the second had not run by then.
    const first = await job(running);
    expect(first.state).toBe('completed');
    expect(first.attempt_history.map((a) => a.outcome)).toEqual(['completed']);
    expect(await t.ok(['logs', running])).toBe('finished');
    const second = await job(next);
    expect(second.attempt_history.every((a) => Date.parse(a.started_at) > Date.parse(first.finished_at!))).toBe(true);
    expect(t.daemonLog()).toMatch(/stopping: 1 running job/);
  });

  it('a stop that runs out of time kills the job and requeues it without spending an attempt', async () => {
    t = new TestHome();
    await t.start(1);
    const id = await t.ok(['enqueue', 'sleep 30', '--retries', '0']);
    await until(id, 'processing', 5000);
    const began = Date.now();
    expect((await t.cli(['worker', 'stop', '--timeout', '300ms'])).code).toBe(0);
    expect(Date.now() - began).toBeLessThan(10_000);
    await t.start(1);
    const j = await job(id);
    expect(j.attempts).toBe(0);
    expect(j.attempt_history[0]!.outcome).toBe('requeued');
    expect(['pending', 'processing']).toContain(j.state);
    await t.ok(['cancel', id]);
  });

  it('a second daemon on the same home is refused with a clear message', async () => {
    t = new TestHome();
    const pid = await t.start(1);
    const again = await t.cli(['worker', 'start', '--detach']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`already running`);
    expect(again.stderr).toContain(String(pid));
    const fg = await t.cli(['worker', 'start']);
    expect(fg.code).toBe(1);
    expect((await t.json<StatusResult>(['status'])).pid).toBe(pid);
  });

  it('higher priority runs first, then the oldest', async () => {
    t = new TestHome();
    await t.start(1);
    const gate = await t.ok(['enqueue', 'sleep 2']);
    await until(gate, 'processing', 5000);
    // One batch, so all four are waiting before the gate job ends, however slow this machine is today.
    const specs = [
      { command: 'true', priority: -1 },
      { command: 'true' },
      { command: 'true' },
      { command: 'true', priority: 5 },
    ];
    const [low, a, b, high] = (await t.ok(['enqueue', '--stdin'], { input: specs.map((x) => JSON.stringify(x)).join('\n') })).split('\n') as [string, string, string, string];
    expect((await job(gate)).state).toBe('processing');
    await until(low, 'completed');
    const order = await Promise.all([high, a, b, low].map(async (id) => Date.parse((await job(id)).started_at!)));
    expect([...order].sort((x, y) => x - y)).toEqual(order);
  });

  it('a JSON job spec keeps its id, and ids resolve by unique prefix', async () => {
    t = new TestHome();
    await t.start(1);
    expect(await t.ok(['enqueue', '{"id":"job1","command":"echo spec","max_retries":3}'])).toBe('job1');
    expect(await t.ok(['enqueue', '{"id":"job2","command":"true","state":"pending","attempts":0}'])).toBe('job2');
    const j = await until('job1', 'completed');
    expect(j.max_retries).toBe(3);
    expect(await t.ok(['logs', 'job1'])).toBe('spec');
    const ambiguous = await t.cli(['show', 'job']);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatch(/matches several jobs \(job1, job2\)/);
  });

  it('the data directory is 0700 and the socket and token are 0600', async () => {
    t = new TestHome();
    await t.start(1);
    expect(statSync(t.home).mode & 0o777).toBe(0o700);
    expect(statSync(join(t.home, 'queuectl.sock')).mode & 0o777).toBe(0o600);
    expect(statSync(join(t.home, 'token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(t.home, 'queuectl.db')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(t.home, 'daemon.pid'))).toBe(true);
  });
});
