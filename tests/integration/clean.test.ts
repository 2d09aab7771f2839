import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { TestHome, waitFor } from '../helpers/daemon.js';
import { storeQuery } from '../helpers/home-store.js';
import { hasScript, onTerminal } from '../helpers/terminal.js';

/** `clean` and automatic retention against a real daemon, through the built CLI. */

const DAY = 86_400_000;
type Spec = { id: string; command: string; max_retries?: number };

const enqueue = (t: TestHome, spec: Spec) => t.ok(['enqueue', JSON.stringify(spec)]);
const logFile = (t: TestHome, id: string) => join(t.home, 'logs', `${id}.log`);
const states = async (t: TestHome) => Object.fromEntries((await t.json<Job[]>(['list', '--limit', '1000'])).map((j) => [j.id, j.state]));

/** Makes jobs look finished `ageMs` ago by writing finished_at straight into the daemon's store. */
async function age(t: TestHome, ids: string[], ageMs: number): Promise<void> {
  const sql = {
    sqlite: 'UPDATE jobs SET finished_at = ? WHERE id = ?',
    postgres: 'UPDATE queuectl.jobs SET finished_at = to_timestamp($1 / 1000.0) WHERE id = $2',
  };
  for (const id of ids) expect((await storeQuery(t, sql, [Date.now() - ageMs, id])).changes).toBe(1);
}

describe('queuectl clean', () => {
  const t = new TestHome();

  beforeAll(async () => {
    await t.start(2);
    // Failed jobs wait a minute for their retry, so "failed" stays put while the tests look.
    await t.ok(['config', 'set', 'backoff_factor_ms', '60000']);
    await enqueue(t, { id: 'busy', command: 'sleep 1000' });
    for (const id of ['done1', 'done2', 'done3']) await enqueue(t, { id, command: `echo output of ${id}` });
    await enqueue(t, { id: 'dead1', command: 'echo dying; exit 3', max_retries: 0 });
    await enqueue(t, { id: 'fail1', command: 'exit 4', max_retries: 5 });
    // A job canceled before it ever ran: enqueued while the queue is paused.
    await t.ok(['pause']);
    await enqueue(t, { id: 'never', command: 'true' });
    await t.ok(['cancel', 'never']);
    await t.ok(['resume']);
    await t.until('busy', 'processing');
    for (const id of ['done1', 'done2', 'done3']) await t.until(id, 'completed');
    await t.until('dead1', 'dead');
    await t.until('fail1', 'failed');
  });
  afterAll(async () => {
    await t.dispose();
  });

  const before = { busy: 'processing', done1: 'completed', done2: 'completed', done3: 'completed', dead1: 'dead', fail1: 'failed', never: 'canceled' };

  it('--dry-run prints how many would go and deletes nothing', async () => {
    expect(await states(t)).toEqual(before);
    expect(await t.cli(['clean', '--dry-run'])).toEqual({ code: 0, stdout: 'would delete 4 completed or canceled jobs\n', stderr: '' });
    expect(await t.json(['clean', '--dry-run'])).toEqual({ count: 4, dry_run: true });
    expect(await t.ok(['clean', '--dry-run', '--state', 'dead'])).toBe('would delete 1 dead job');
    expect(await t.ok(['clean', '--dry-run', '--state', 'completed,dead', '--state', 'canceled'])).toBe('would delete 5 completed, dead or canceled jobs');
    expect(await states(t)).toEqual(before);
  });

  it('without --yes on a pipe it refuses: exit 2, nothing deleted', async () => {
    const r = await t.cli(['clean']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/add --yes to confirm when stdin is not a terminal \(nothing was deleted\)/);
    expect(await states(t)).toEqual(before);
  });

  it.skipIf(!hasScript)('on a terminal it asks first, with the count: anything but y deletes nothing (exit 1)', async () => {
    for (const answer of ['n\n', '\n', '']) {
      const r = await onTerminal(t, ['clean'], answer);
      expect(r.stdout).toContain('Delete 4 completed or canceled jobs and their logs? [y/N]');
      expect(r.stdout).toContain('nothing was deleted');
      expect(r.code).toBe(1);
    }
    expect(await states(t)).toEqual(before);
  });

  it('--older-than compares the finish time: only jobs that finished longer ago go, with their logs', async () => {
    await age(t, ['done1', 'dead1'], 10 * DAY);
    await age(t, ['done2'], 6 * DAY);
    expect(existsSync(logFile(t, 'done1'))).toBe(true);
    expect(await t.ok(['clean', '--older-than', '7d', '--dry-run'])).toBe('would delete 1 completed or canceled job that finished more than 7d ago');
    expect(await t.cli(['clean', '--older-than', '7d', '--yes'])).toEqual({
      code: 0,
      stdout: 'deleted 1 completed or canceled job that finished more than 7d ago\n',
      stderr: '',
    });
    expect(existsSync(logFile(t, 'done1'))).toBe(false);
    expect(existsSync(logFile(t, 'done2'))).toBe(true);
    const { done1: _gone, ...rest } = before;
    expect(await states(t)).toEqual(rest);
    expect(await t.json(['clean', '--older-than', '8d', '--yes'])).toEqual({ count: 0 });
  });

  it('clean --yes deletes completed and canceled jobs and their logs; dead, failed and running ones stay', async () => {
    const r = await t.cli(['clean', '--yes']);
    expect(r).toEqual({ code: 0, stdout: 'deleted 3 completed or canceled jobs\n', stderr: '' });
    expect(await states(t)).toEqual({ busy: 'processing', dead1: 'dead', fail1: 'failed' });
    for (const id of ['done2', 'done3', 'never']) expect(existsSync(logFile(t, id)), id).toBe(false);
    for (const id of ['busy', 'dead1']) expect(existsSync(logFile(t, id)), id).toBe(true);
    const status = await t.json<{ counts: Record<string, number>; workers: Array<{ job_id: string | null }> }>(['status']);
    expect(status.counts).toMatchObject({ completed: 0, canceled: 0, dead: 1, failed: 1, processing: 1 });
    expect(status.workers.map((w) => w.job_id)).toContain('busy');
    expect(await t.ok(['clean', '--yes'])).toBe('deleted 0 completed or canceled jobs');
  });

  it('dead jobs only when named: --state dead --json', async () => {
    expect(await t.json(['clean', '--state', 'dead', '--yes'])).toEqual({ count: 1 });
    expect(existsSync(logFile(t, 'dead1'))).toBe(false);
    expect(await states(t)).toEqual({ busy: 'processing', fail1: 'failed' });
  });

  it.skipIf(!hasScript)('on a terminal it deletes after y', async () => {
    await enqueue(t, { id: 'done4', command: 'echo four' });
    await t.until('done4', 'completed');
    const r = await onTerminal(t, ['clean', '--state', 'completed'], 'y\n');
    expect(r.stdout).toContain('Delete 1 completed job and its log? [y/N]');
    expect(r.stdout).toContain('deleted 1 completed job\n');
    expect(r.code).toBe(0);
    expect(existsSync(logFile(t, 'done4'))).toBe(false);
    expect(await states(t)).toEqual({ busy: 'processing', fail1: 'failed' });
  });

  it('jobs.clean over the protocol: an id enqueued again after a clean gets a log of its own', async () => {
    const rpc = await RpcClient.connect(t.home, 'clean-test');
    try {
      await enqueue(t, { id: 'reused', command: 'echo first' });
      await t.until('reused', 'completed');
      expect(await rpc.call('jobs.clean', { states: ['completed'] })).toMatchObject({ count: 1 });
      await enqueue(t, { id: 'reused', command: 'echo second' });
      await t.until('reused', 'completed');
      expect((await rpc.call('logs', { id: 'reused' })).data).toContain('second');
      expect((await rpc.call('logs', { id: 'reused' })).data).not.toContain('first');
    } finally {
      rpc.close();
    }
  });

  it('a clean judged as_of a dry run deletes no job that finished after the count (what the prompt confirmed)', async () => {
    const rpc = await RpcClient.connect(t.home, 'clean-test');
    try {
      await enqueue(t, { id: 'counted', command: 'true' });
      await t.until('counted', 'completed');
      const dry = await rpc.call('jobs.clean', { states: ['completed'], dry_run: true });
      expect(dry.count).toBeGreaterThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 20));
      await enqueue(t, { id: 'later', command: 'true' });
      await t.until('later', 'completed');
      const done = await rpc.call('jobs.clean', { states: ['completed'], as_of: dry.as_of });
      expect(done.count).toBe(dry.count);
      expect((await t.show('later')).state).toBe('completed');
      expect((await t.cli(['show', 'counted'])).code).toBe(1);
      const future = await t.cli(['show', 'later']);
      expect(future.code).toBe(0);
    } finally {
      rpc.close();
    }
  });
});

describe('retention (retention_max_jobs, retention_days)', () => {
  const t = new TestHome();
  const jobs = Array.from({ length: 12 }, (_, i) => `r${String(i).padStart(2, '0')}`);
  const completed = async () => (await t.json<Job[]>(['list', '--state', 'completed', '--limit', '1000'])).map((j) => j.id).sort();

  beforeAll(async () => {
    // One worker: the jobs finish in enqueue order, so the oldest are the first enqueued.
    await t.start(1);
    for (const id of jobs) await enqueue(t, { id, command: `echo retained ${id}` });
    await enqueue(t, { id: 'dead-old', command: 'exit 1', max_retries: 0 });
    for (const id of jobs) await t.until(id, 'completed');
    await t.until('dead-old', 'dead');
    await age(t, ['dead-old'], 100 * DAY);
    await enqueue(t, { id: 'running', command: 'sleep 1000' });
    await t.until('running', 'processing');
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('retention_max_jobs 5 with 12 completed jobs: soon after the change the newest 5 remain; the oldest 7 are gone with their logs', async () => {
    expect(jobs.every((id) => existsSync(logFile(t, id)))).toBe(true);
    await t.ok(['config', 'set', 'retention_max_jobs', '5']);
    await waitFor(async () => (await completed()).length === 5, 10_000, 'retention to keep 5 jobs');
    expect(await completed()).toEqual(jobs.slice(7));
    expect(jobs.filter((id) => existsSync(logFile(t, id)))).toEqual(jobs.slice(7));
    expect(await t.show('dead-old')).toMatchObject({ state: 'dead' });
    expect(await t.show('running')).toMatchObject({ state: 'processing' });
    await waitFor(() => t.daemonLog().includes('retention: deleted 7 finished jobs beyond the limit of 5 jobs'), 5000, 'the log line');
  });

  it('retention_days: completed jobs that finished longer ago go; dead and running ones stay', async () => {
    await t.ok(['config', 'set', 'retention_max_jobs', '0']);
    await age(t, ['r07', 'r08'], 3 * DAY);
    await t.ok(['config', 'set', 'retention_days', '2']);
    await waitFor(async () => (await completed()).length === 3, 10_000, 'retention to delete the aged jobs');
    expect(await completed()).toEqual(['r09', 'r10', 'r11']);
    expect(existsSync(logFile(t, 'r07'))).toBe(false);
    expect(existsSync(logFile(t, 'r09'))).toBe(true);
    expect(await t.show('dead-old')).toMatchObject({ state: 'dead' });
    expect(await t.show('running')).toMatchObject({ state: 'processing' });
    await waitFor(() => t.daemonLog().includes('retention: deleted 2 finished jobs older than 2 days'), 5000, 'the log line');
  });

  it('runs at start-up', async () => {
    await t.stop();
    await age(t, ['r09'], 5 * DAY);
    await t.start(1);
    await waitFor(async () => (await completed()).length === 2, 10_000, 'retention at start-up');
    expect(await completed()).toEqual(['r10', 'r11']);
    expect(existsSync(logFile(t, 'r09'))).toBe(false);
    expect(await t.show('dead-old')).toMatchObject({ state: 'dead' });
  });
});
