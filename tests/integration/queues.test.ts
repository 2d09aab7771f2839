import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job, JobSpec, QueueInfo, QueuePauseResult, StatusResult } from '../../protocol/index.js';
import { CLI, TestHome, deadAtRestartInGpu, hasProcess, uniqueSleep, waitFor } from '../helpers/daemon.js';

/**
 * Named queues against the real daemon through the built CLI: per-queue limits observed with real
 * concurrent jobs (each job writes its own start and end times), the job's environment, per-queue pause
 * (running jobs finish; kept across a restart), pause_on_dead, and settings that apply while jobs run.
 */

/** One finished run as the job itself recorded it (ns since the epoch). */
interface Span {
  id: string;
  queue: string;
  start: number;
  end: number;
}

/** Most spans that overlap at any moment. */
function mostAtOnce(spans: readonly Span[]): number {
  const edges = spans.flatMap((s) => [{ at: s.start, d: 1 }, { at: s.end, d: -1 }]).sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const e of edges) most = Math.max(most, (now += e.d));
  return most;
}

describe('named queues', () => {
  let t: TestHome;
  let marks: string;
  beforeEach(() => {
    t = new TestHome();
    marks = join(t.home, 'marks');
    mkdirSync(marks);
  });
  afterEach(async () => {
    await t.dispose();
  });

  /** Enqueues one job in `queue` (a JSON spec, as a script would) and returns its id. */
  const enqueueIn = (queue: string, command: string, extra: Partial<JobSpec> = {}): Promise<string> =>
    t.ok(['enqueue', JSON.stringify({ command, queue, ...extra })]);

  /** A command that sleeps `seconds` and writes "<queue> <start ns> <end ns>" to marks/<job id>. */
  const timed = (seconds: number): string =>
    `s=$(date +%s%N); sleep ${seconds}; echo "$QUEUECTL_QUEUE $s $(date +%s%N)" > ${marks}/$QUEUECTL_JOB_ID`;

  const spans = (): Span[] =>
    readdirSync(marks).map((id) => {
      const [queue, start, end] = readFileSync(join(marks, id), 'utf8').trim().split(' ');
      return { id, queue: queue!, start: Number(start), end: Number(end) };
    });

  const queueOf = async (name: string): Promise<QueueInfo> => {
    const { queues } = await t.json<{ queues: QueueInfo[] }>(['queue', 'list']);
    const q = queues.find((x) => x.name === name);
    if (!q) throw new Error(`no queue ${name} in ${JSON.stringify(queues)}`);
    return q;
  };

  const jobs = (args: string[] = []): Promise<Job[]> => t.json<Job[]>(['list', '--limit', '1000', ...args]);

  it('gpu with --parallel 1 never runs two jobs at once while default runs several on the other workers', async () => {
    await t.start(4);
    expect(await t.ok(['queue', 'set', 'gpu', '--parallel', '1'])).toBe('gpu: parallel 1, pause on dead off');
    const lines = [
      ...Array.from({ length: 4 }, () => JSON.stringify({ command: timed(1), queue: 'gpu' })),
      ...Array.from({ length: 4 }, () => JSON.stringify({ command: timed(1) })),
    ];
    // One batch: every job is due at the same moment, so only the limit keeps gpu jobs apart.
    await t.ok(['enqueue', '--stdin'], { input: lines.join('\n') });
    await waitFor(async () => readdirSync(marks).length === 8, 30_000, 'all 8 jobs to record their runs');

    const gpu = spans().filter((s) => s.queue === 'gpu');
    const other = spans().filter((s) => s.queue === 'default');
    expect(gpu).toHaveLength(4);
    expect(mostAtOnce(gpu)).toBe(1);
    expect(mostAtOnce(other)).toBeGreaterThanOrEqual(3);
    expect(mostAtOnce(spans())).toBeLessThanOrEqual(4);
    expect(await queueOf('gpu')).toMatchObject({ parallel: 1, counts: { completed: 4, processing: 0 } });
  });

  /**
   * A gpu job (parallel 1) whose command ignores SIGTERM, so its processes outlive the kill by the 2 s
   * grace before SIGKILL; then a second gpu job that writes "<start ns> alive|gone" to marks/<id>, saying
   * whether the first job's sleep still existed when it started (a bracketed regex: its own command line
   * does not match).
   */
  async function dyingRunThenNext(spec: Partial<JobSpec> = {}): Promise<{ first: string; next: string; sleep: string }> {
    await t.start(4);
    await t.ok(['queue', 'set', 'gpu', '--parallel', '1']);
    const sleep = uniqueSleep(30);
    const first = await enqueueIn('gpu', `trap '' TERM; ${sleep}`, spec);
    await t.until(first, 'processing');
    await waitFor(() => hasProcess(sleep), 10_000, 'the first job to start its sleep');
    const pattern = sleep.replace('.', '[.]');
    const next = await enqueueIn('gpu', `s=$(date +%s%N); if pgrep -f '${pattern}' >/dev/null; then a=alive; else a=gone; fi; echo "$s $a" > ${marks}/$QUEUECTL_JOB_ID`);
    return { first, next, sleep };
  }

  const startOf = (id: string): { at: number; first: 'alive' | 'gone' } => {
    const [at, first] = readFileSync(join(marks, id), 'utf8').trim().split(' ');
    return { at: Number(at) / 1e6, first: first as 'alive' | 'gone' };
  };

  it('a canceled job still holds its parallel-1 queue until its processes are gone; other queues go on', async () => {
    const { first, next, sleep } = await dyingRunThenNext();
    await new Promise((r) => setTimeout(r, 300));
    expect((await t.show(next)).state).toBe('pending');

    const canceledAt = Date.now();
    await t.ok(['cancel', first]);
    // The cancel's wake-up claims nothing of gpu: the canceled run still occupies it (the state is read
    // first, so a sleep alive afterwards was alive then; a slow machine may already be past the grace).
    const [shown, alive] = [await t.show(first), hasProcess(sleep)];
    expect(shown.state).toBe('canceled');
    const waiting = (await t.show(next)).state;
    if (hasProcess(sleep)) expect(waiting).toBe('pending');
    expect(alive || Date.now() - canceledAt > 1_500).toBe(true);
    // Other queues go on meanwhile.
    const free = await t.ok(['enqueue', 'true']);
    await t.until(free, 'completed', 5_000);

    // SIGKILL after the grace ends the run; its worker turning idle starts the next gpu job.
    await waitFor(() => readdirSync(marks).includes(next), 10_000, 'the next gpu job to start');
    const started = startOf(next);
    expect(started.first).toBe('gone');
    expect(started.at - canceledAt).toBeGreaterThanOrEqual(1_500);
    expect(hasProcess(sleep)).toBe(false);
    await t.until(next, 'completed');
  });

  it('a timed-out job holds its parallel-1 queue until its processes are gone (it stays processing until the run ends)', async () => {
    const { first, next, sleep } = await dyingRunThenNext({ timeout_ms: 500, max_retries: 0 });
    await waitFor(() => readdirSync(marks).includes(next), 10_000, 'the next gpu job to start');
    expect(startOf(next).first).toBe('gone');
    expect(hasProcess(sleep)).toBe(false);
    expect((await t.show(first)).state).toBe('dead');
    await t.until(next, 'completed');
  });

  it('each job sees QUEUECTL_JOB_ID, QUEUECTL_ATTEMPT, QUEUECTL_QUEUE and QUEUECTL_WORKER_ID', async () => {
    await t.start(3);
    await t.ok(['config', 'set', 'backoff_factor_ms', '0']);
    const env = `env | grep ^QUEUECTL_ | sort > ${marks}/env-$QUEUECTL_JOB_ID-$QUEUECTL_ATTEMPT`;
    const id = await enqueueIn('render', `${env}; [ "$QUEUECTL_ATTEMPT" -ge 2 ]`, { max_retries: 1 });
    const job = await t.until(id, 'completed');
    expect(job.queue).toBe('render');

    const read = (attempt: number): Record<string, string> =>
      Object.fromEntries(
        readFileSync(join(marks, `env-${id}-${attempt}`), 'utf8')
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    for (const attempt of [1, 2]) {
      const seen = read(attempt);
      expect(seen).toMatchObject({ QUEUECTL_JOB_ID: id, QUEUECTL_ATTEMPT: String(attempt), QUEUECTL_QUEUE: 'render' });
      expect(['1', '2', '3']).toContain(seen.QUEUECTL_WORKER_ID);
    }
    expect(read(2).QUEUECTL_WORKER_ID).toBe(String(job.attempt_history[1]!.worker_id));
  });

  it('pause --queue holds only that queue; its running job finishes; resume --queue runs what waited', async () => {
    await t.start(2);
    // No safety poll to hide a missing wake-up: resume must start the held job by itself.
    await t.ok(['config', 'set', 'tick_interval_ms', '60000']);
    const running = await enqueueIn('gpu', 'sleep 1');
    await t.until(running, 'processing');
    const paused = await t.cli(['pause', '--queue', 'gpu']);
    expect(paused).toMatchObject({ code: 0, stdout: '' });
    expect(paused.stderr).toContain('queue gpu paused; its running jobs go on');
    const held = await enqueueIn('gpu', 'true');
    const free = await t.ok(['enqueue', 'true']);
    await t.until(free, 'completed');
    await t.until(running, 'completed');
    await new Promise((r) => setTimeout(r, 700));
    expect((await t.show(held)).state).toBe('pending');

    const status = await t.json<StatusResult>(['status']);
    expect(status.paused).toBe(false);
    expect(status.queues.find((q) => q.name === 'gpu')).toMatchObject({ paused: true });
    expect(await t.ok(['status'])).toMatch(/^ {2}gpu {2}paused .*queuectl resume --queue gpu/m);
    expect(await t.ok(['queue', 'list'])).toMatch(/^gpu\s+paused .*ago\s+all\s+off\s+1\s+0\s+0\s+0\s+0\s+(\d+ms|\d+\.\d+s)$/m);
    expect((await t.cli(['pause', '--queue', 'gpu'])).stderr).toContain('queue gpu was already paused');

    // The list shows the queue column, and --queue filters by it.
    expect((await jobs(['--queue', 'gpu'])).map((j) => j.id).sort()).toEqual([held, running].sort());
    expect(await t.ok(['list'])).toMatch(/^ID\s+STATE\s+QUEUE\s+/);
    expect(await t.ok(['show', held])).toMatch(/^queue\s+gpu$/m);

    expect(await t.json<QueuePauseResult>(['resume', '--queue', 'gpu'])).toEqual({ queue: 'gpu', paused: false, paused_since: null, changed: true });
    await t.until(held, 'completed', 5_000);
    expect((await t.cli(['resume', '--queue', 'gpu'])).stderr).toContain('queue gpu was not paused');
    expect(await t.ok(['status'])).not.toMatch(/paused/);
  });

  it('a paused queue stays paused across a restart, with its original time; the others run', async () => {
    await t.start(2);
    await t.ok(['queue', 'set', 'gpu', '--parallel', '2']);
    const before = await t.json<QueuePauseResult>(['pause', '--queue', 'gpu']);
    expect(before).toMatchObject({ queue: 'gpu', paused: true, changed: true });
    await t.stop();
    await t.start(2);
    const held = await enqueueIn('gpu', 'true');
    const free = await t.ok(['enqueue', 'true']);
    await t.until(free, 'completed');
    await new Promise((r) => setTimeout(r, 700));
    expect((await t.show(held)).state).toBe('pending');
    expect(await queueOf('gpu')).toMatchObject({ paused: true, paused_since: before.paused_since, parallel: 2 });
    expect((await t.json<StatusResult>(['status'])).paused).toBe(false);
    expect(t.daemonLog()).toContain('queue gpu is paused');
    await t.ok(['config', 'set', 'tick_interval_ms', '60000']);
    await t.ok(['resume', '--queue', 'gpu']);
    await t.until(held, 'completed', 5_000);
  });

  it('resuming every queue leaves a queue paused on its own paused, and says so', async () => {
    await t.start(1);
    await enqueueIn('gpu', 'true');
    await t.ok(['pause']);
    await t.ok(['pause', '--queue', 'gpu']);
    const resumed = await t.cli(['resume']);
    expect(resumed.stderr).toContain('queue resumed');
    expect(resumed.stderr).toContain('queue gpu stays paused on its own');
    const status = await t.json<StatusResult>(['status']);
    expect(status.paused).toBe(false);
    expect(status.queues.find((q) => q.name === 'gpu')?.paused).toBe(true);
  });

  it('pause_on_dead pauses the queue when one of its jobs goes dead; status shows it; the log says which job', async () => {
    await t.start(2);
    const watch = spawn(process.execPath, [CLI, 'status', '--watch'], { env: t.env() });
    let watched = '';
    watch.stdout.on('data', (d) => (watched += d));
    try {
      const set = await t.cli(['queue', 'set', 'gpu', '--pause-on-dead']);
      expect(set).toMatchObject({ code: 0, stdout: 'gpu: parallel all, pause on dead on\n' });
      expect(set.stderr).toContain('created queue gpu');
      const dies = await enqueueIn('gpu', 'exit 3', { max_retries: 0 });
      await t.until(dies, 'dead');
      const next = await enqueueIn('gpu', 'true');
      await waitFor(async () => (await queueOf('gpu')).paused, 10_000, 'gpu to be paused');
      await new Promise((r) => setTimeout(r, 500));
      expect((await t.show(next)).state).toBe('pending');
      expect(await t.ok(['status'])).toMatch(/gpu {2}paused .*pauses when a job goes dead/);
      expect(t.daemonLog()).toContain(`queue gpu paused: job ${dies} went dead`);
      await waitFor(() => /paused_queues=gpu$/m.test(watched), 10_000, 'status --watch to show gpu paused');

      // Another queue's dead job pauses nothing.
      const other = await t.ok(['enqueue', '--retries', '0', 'exit 1']);
      await t.until(other, 'dead');
      expect((await queueOf('default')).paused).toBe(false);
    } finally {
      watch.kill('SIGINT');
    }
  });

  it('a job that start-up recovery finds dead (the daemon was killed mid-run) pauses its pause_on_dead queue', async () => {
    const id = await deadAtRestartInGpu(t);
    expect((await t.show(id)).state).toBe('dead');
    expect(await queueOf('gpu')).toMatchObject({ paused: true });
    expect(t.daemonLog()).toContain(`queue gpu paused: job ${id} went dead`);
  });

  it('queue set applies while jobs run: a raised limit starts waiting jobs at once; a lower one stops none', async () => {
    await t.start(3);
    await t.ok(['config', 'set', 'tick_interval_ms', '60000']);
    await t.ok(['queue', 'set', 'batch', '--parallel', '1']);
    const sleep = uniqueSleep(30);
    const ids = [await enqueueIn('batch', sleep), await enqueueIn('batch', sleep), await enqueueIn('batch', sleep)];
    const running = async (): Promise<number> => (await jobs(['--queue', 'batch', '--state', 'processing'])).length;
    await waitFor(async () => (await running()) === 1, 10_000, 'one batch job to run');
    await new Promise((r) => setTimeout(r, 500));
    expect(await running()).toBe(1);

    await t.ok(['queue', 'set', 'batch', '--parallel', '3']);
    await waitFor(async () => (await running()) === 3, 3_000, 'all three to run after the limit went up');
    expect(t.daemonLog()).toContain('queue batch changed: parallel 3, pause_on_dead off');

    const lowered = await t.cli(['queue', 'set', 'batch', '--parallel', 'all', '--json']);
    expect(JSON.parse(lowered.stdout)).toMatchObject({ created: false, queue: { name: 'batch', parallel: null } });
    await t.ok(['queue', 'set', 'batch', '--parallel', '1']);
    await new Promise((r) => setTimeout(r, 500));
    expect(await running()).toBe(3);
    for (const id of ids) await t.ok(['cancel', id]);
  });

  it('show prints the queue and the parents with how many have not completed', async () => {
    await t.start(1);
    const parent = await t.ok(['enqueue', 'sleep 1']);
    const child = await enqueueIn('x', 'true', { after: [parent] });
    const shown = await t.ok(['show', child]);
    expect(shown).toMatch(/^queue\s+x$/m);
    expect(shown).toMatch(new RegExp(`^after\\s+${parent} \\(1 not completed\\)$`, 'm'));
    expect(shown).not.toMatch(/^schedule/m);
    await t.until(child, 'completed');
    expect(await t.ok(['show', child])).toMatch(new RegExp(`^after\\s+${parent} \\(all completed\\)$`, 'm'));
    expect(await t.ok(['show', parent])).not.toMatch(/^after/m);
  });

  it('a limit above the worker count shows what really caps it', async () => {
    await t.start(2);
    const r = await t.cli(['queue', 'set', 'wide', '--parallel', '8']);
    expect(r.stdout).toBe('wide: parallel 8 (2 workers), pause on dead off\n');
    expect(r.stderr).toContain('only 2 workers run jobs, so at most 2 of them run at once');
    expect(await t.ok(['queue', 'list'])).toMatch(/^wide\s+running\s+8 \(2 workers\)\s+off/m);
    expect(await t.ok(['status'])).toMatch(/wide {2}at most 8 at once \(2 workers\)/);
  });
});
