import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSpec, QueueInfo, QueuePauseResult, StatusResult } from '../../protocol/index.js';
import { CLI, TestHome, deadAtRestartInGpu, waitFor } from '../helpers/daemon.js';

/**
 * Why a queue is paused (pause_on_dead's "job x went dead") as `queue list`, `status`, `status --watch` and
 * the pause/resume messages show it; `resume --all`; the resume hints; `queue set` and `queue list` saying
 * pause on dead the same way. Against the real daemon through the built CLI.
 */
describe('queue pause reasons and resume --all', () => {
  let t: TestHome;
  beforeEach(() => {
    t = new TestHome();
  });
  afterEach(async () => {
    await t.dispose();
  });

  const enqueueIn = (queue: string, command: string, extra: Partial<JobSpec> = {}): Promise<string> =>
    t.ok(['enqueue', JSON.stringify({ command, queue, ...extra })]);
  const queueOf = async (name: string): Promise<QueueInfo> => {
    const { queues } = await t.json<{ queues: QueueInfo[] }>(['queue', 'list']);
    return queues.find((q) => q.name === name)!;
  };

  it('a dead job pauses its queue with the job as the reason: queue list, status, status --watch and pause say it; resume clears it', async () => {
    await t.start(2);
    const watch = spawn(process.execPath, [CLI, 'status', '--watch', '--json'], { env: t.env() });
    let watched = '';
    watch.stdout.on('data', (d) => (watched += d));
    try {
      expect(await t.ok(['queue', 'set', 'gpu', '--pause-on-dead'])).toBe('gpu: parallel all, pause on dead on');
      const dies = await enqueueIn('gpu', 'exit 3', { max_retries: 0 });
      await t.until(dies, 'dead');
      await waitFor(async () => (await queueOf('gpu')).paused, 10_000, 'gpu to be paused');
      const why = `job ${dies} went dead`;

      // queue list: JSON and table; pause on dead said as queue set says it.
      expect(await queueOf('gpu')).toMatchObject({ paused: true, paused_reason: why, pause_on_dead: true });
      expect(await queueOf('default')).toMatchObject({ paused: false, paused_reason: null });
      const table = await t.ok(['queue', 'list']);
      expect(table).toMatch(/^QUEUE\s+STATE\s+PARALLEL\s+PAUSE ON DEAD\s+READY\s+SCHEDULED\s+RUNNING\s+FAILED\s+DEAD\s+LATENCY$/m);
      expect(table).toMatch(new RegExp(`^gpu\\s+paused (.* ago|just now): ${why}\\s+all\\s+on\\s+0\\s+0\\s+0\\s+0\\s+1\\s+-$`, 'm'));
      expect(table).toMatch(/^default\s+running\s+all\s+off\s/m);
      expect(await t.ok(['queue', 'set', 'gpu', '--parallel', '2'])).toBe(`gpu: parallel 2, pause on dead on, paused (${why})`);

      // status: text and JSON.
      expect(await t.ok(['status'])).toMatch(new RegExp(`^ {2}gpu {2}paused (.* ago|now): ${why} — queuectl resume --queue gpu · at most 2 at once`, 'm'));
      expect((await t.json<StatusResult>(['status'])).queues.find((q) => q.name === 'gpu')).toMatchObject({ paused_reason: why });

      // status --watch --json: the reason arrived live, with the queue event.
      await waitFor(
        () => watched.split('\n').some((line) => line.includes(`"paused_reason":"${why}"`)),
        10_000,
        'status --watch to show why gpu paused',
      );

      // Pausing it again by hand changes nothing and says why it is paused.
      const again = await t.cli(['pause', '--queue', 'gpu']);
      expect(again.stderr).toMatch(new RegExp(`^queuectl: queue gpu was already paused \\((.* ago|just now): ${why}\\)$`, 'm'));
      expect((await queueOf('gpu')).paused_reason).toBe(why);

      await t.ok(['resume', '--queue', 'gpu']);
      expect(await queueOf('gpu')).toMatchObject({ paused: false, paused_since: null, paused_reason: null });
      await waitFor(() => watched.trim().split('\n').at(-1)!.includes('"paused_reason":null') && !watched.trim().split('\n').at(-1)!.includes(why), 10_000, 'status --watch to show gpu resumed');

      // Paused by hand: no reason anywhere.
      await t.ok(['pause', '--queue', 'gpu']);
      expect(await queueOf('gpu')).toMatchObject({ paused: true, paused_reason: null });
      expect(await t.ok(['queue', 'list'])).toMatch(/^gpu\s+paused (\S+ ago|just now)\s+2\s+on\s/m);
      expect(await t.ok(['status'])).toMatch(/^ {2}gpu {2}paused (.* ago|now) — queuectl resume --queue gpu · at most 2 at once/m);
    } finally {
      watch.kill('SIGINT');
    }
  });

  it('start-up recovery names the job whose interrupted run left it dead; the restart log says why the queue is held', async () => {
    const id = await deadAtRestartInGpu(t);
    expect(await queueOf('gpu')).toMatchObject({ paused: true, paused_reason: `job ${id} went dead` });
    await t.stop();
    await t.start(1);
    expect(t.daemonLog()).toMatch(new RegExp(`queue gpu is paused \\(since [^)]*: job ${id} went dead\\); none of its jobs starts until: queuectl resume --queue gpu`));
  });

  it('resume names the one queue still paused with its real command, and points several at resume --all', async () => {
    await t.start(1);
    await enqueueIn('gpu', 'true');
    await enqueueIn('io', 'true');
    await t.ok(['pause']);
    await t.ok(['pause', '--queue', 'gpu']);
    const one = await t.cli(['resume']);
    expect(one.stderr).toMatch(/^queuectl: every queue resumed$/m);
    expect(one.stderr).toMatch(/^queuectl: queue gpu stays paused on its own \((.* ago|just now)\): queuectl resume --queue gpu$/m);
    expect(one.stderr).not.toContain('<name>');

    await t.ok(['pause', '--queue', 'io']);
    const two = await t.cli(['resume']);
    expect(two.stderr).toMatch(/^queuectl: queuectl pause was not on$/m);
    expect(two.stderr).toMatch(/^queuectl: queues gpu, io stay paused on their own: queuectl resume --all resumes them, queuectl resume --queue <name> one at a time$/m);
  });

  it('resume --all lifts queuectl pause and every queue\'s own pause at once, says what it resumed, and the held jobs run', async () => {
    await t.start(2);
    await t.ok(['config', 'set', 'tick_interval_ms', '60000']); // no safety poll: resume --all must wake the scheduler
    await t.ok(['queue', 'set', 'gpu', '--pause-on-dead']);
    const dies = await enqueueIn('gpu', 'exit 1', { max_retries: 0 });
    await t.until(dies, 'dead');
    await waitFor(async () => (await queueOf('gpu')).paused, 10_000, 'gpu to be paused');
    await enqueueIn('io', 'true');
    await t.ok(['pause', '--queue', 'io']);
    await t.ok(['pause']);
    const held = [await enqueueIn('gpu', 'true'), await enqueueIn('io', 'true'), await t.ok(['enqueue', 'true'])];
    await new Promise((r) => setTimeout(r, 500));
    for (const id of held) expect((await t.show(id)).state).toBe('pending');

    const r = await t.cli(['resume', '--all']);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: 'queuectl: resumed every queue (queuectl pause) and queues gpu, io\n' });
    for (const id of held) await t.until(id, 'completed', 5_000);
    const status = await t.json<StatusResult>(['status']);
    expect(status.paused).toBe(false);
    expect(status.queues.filter((q) => q.paused || q.paused_reason !== null)).toEqual([]);
    expect(t.daemonLog()).toContain('resumed by resume --all: the pause of every queue and queues gpu, io');

    expect(await t.cli(['resume', '--all'])).toMatchObject({ code: 0, stdout: '', stderr: 'queuectl: nothing was paused\n' });
    await t.ok(['pause', '--queue', 'io']);
    expect(await t.json<QueuePauseResult>(['resume', '--all', '--json'])).toEqual({
      queue: null,
      paused: false,
      paused_since: null,
      changed: true,
      resumed: { all: false, queues: ['io'] },
    });
  });

  it('pause and resume of the switch over every queue say "every queue"', async () => {
    await t.start(1);
    expect((await t.cli(['pause'])).stderr).toBe('queuectl: every queue paused; running jobs go on, no new job starts until: queuectl resume\n');
    expect((await t.cli(['resume'])).stderr).toBe('queuectl: every queue resumed\n');
    expect(t.daemonLog()).toContain('every queue paused: running jobs go on, no new job starts');
    expect(t.daemonLog()).toContain('every queue resumed');
  });

  it('queue list and status split waiting jobs into ready and scheduled, with each queue\'s latency', async () => {
    await t.start(1);
    await t.ok(['queue', 'set', 'lat', '--parallel', '1']);
    await t.ok(['pause', '--queue', 'lat']);
    const held = await enqueueIn('lat', 'true');
    const later = await t.ok(['enqueue', 'true', '--queue', 'lat', '--delay', '1h']);
    await new Promise((r) => setTimeout(r, 1100));
    const lat = await queueOf('lat');
    expect(lat).toMatchObject({ ready: 1, scheduled: 1, counts: { pending: 2 }, oldest_ready_at: (await t.show(held)).run_at });
    expect(lat.latency_ms).toBeGreaterThanOrEqual(1000);
    expect(await t.ok(['queue', 'list'])).toMatch(/^lat\s+paused (.* ago|just now)\s+1\s+off\s+1\s+1\s+0\s+0\s+0\s+\d+\.\d+s$/m);
    expect(await t.ok(['status'])).toMatch(/^ {2}1 ready, 1 scheduled · waited longest: lat \d+\.\d+s$/m);
    expect((await t.json<StatusResult>(['status'])).queues.find((q) => q.name === 'lat')).toMatchObject({ ready: 1, scheduled: 1 });

    // Once it ran, nothing is ready: no latency.
    await t.ok(['resume', '--queue', 'lat']);
    await t.until(held, 'completed');
    expect(await queueOf('lat')).toMatchObject({ ready: 0, scheduled: 1, oldest_ready_at: null, latency_ms: 0 });
    expect(await t.ok(['queue', 'list'])).toMatch(/^lat\s+running\s+1\s+off\s+0\s+1\s+0\s+0\s+0\s+-$/m);
    await t.ok(['cancel', later]);
  });
});
