import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SELECTED_IDS, type ErrorCode, type MethodName } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { TestHome, waitFor } from '../helpers/daemon.js';
import { rpcFailure } from '../helpers/rpc.js';

const failure = rpcFailure;

describe('dashboard methods (real daemon)', () => {
  const t = new TestHome();
  let rpc: RpcClient;
  /** Any method with any params, as a hostile or careless client would send them. */
  const raw = (method: MethodName, params: unknown) => rpc.call(method, params as never);
  const expectError = async (method: MethodName, params: unknown, code: ErrorCode, message: RegExp | string) => {
    const err = await failure(raw(method, params));
    expect(err.code, `${method} ${JSON.stringify(params)}`).toBe(code);
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
  };
  const logOf = (id: string) => join(t.home, 'logs', `${id}.log`);
  const enqueue = (command: string, ...flags: string[]) => t.ok(['enqueue', command, ...flags]);

  beforeAll(async () => {
    await t.start(2);
    rpc = await RpcClient.connect(t.home, 'dashboard-test');
  });
  afterAll(async () => {
    rpc.close();
    await t.dispose();
  });

  it('job.retry runs a finished job again from scratch; refuses waiting and running ones', async () => {
    const done = await enqueue('echo run $QUEUECTL_ATTEMPT');
    await t.until(done, 'completed');
    const { job } = await rpc.call('job.retry', { id: done.slice(0, 6) });
    expect(job).toMatchObject({ id: done, state: 'pending', attempts: 0 });
    const again = await waitFor(async () => {
      const j = await t.show(done);
      return j.state === 'completed' && j.attempt_history.length === 2 ? j : undefined;
    }, 10_000, 'the second run');
    expect(again.attempt_history.map((a) => a.number)).toEqual([1, 2]);
    // From scratch, but the log keeps the first run: the second follows it, under its header.
    expect(await t.ok(['logs', done])).toMatch(/^run 1\n\n── queuectl: run 2 · \S+ ──\nrun 2$/);

    const dead = await enqueue('exit 4', '--retries', '0');
    await t.until(dead, 'dead');
    expect((await rpc.call('job.retry', { id: dead })).job).toMatchObject({ state: 'pending', attempts: 0 });
    await t.until(dead, 'dead');

    // Ignores SIGTERM, so after a cancel its tree lives on until the SIGKILL 2 s later.
    const running = await enqueue(`trap '' TERM; sleep 30`);
    await t.until(running, 'processing');
    await expectError('job.retry', { id: running }, 'INVALID_STATE', `job ${running} is processing: it is running now; cancel it first to run it again`);
    // cancel answers once the processes are gone; meanwhile (another client) the job is canceled but still dying.
    const canceling = t.ok(['cancel', running]);
    await t.until(running, 'canceled');
    await expectError('job.retry', { id: running }, 'INVALID_STATE', `job ${running} is canceled and its processes are still being stopped; try again in a few seconds`);
    // Nor removed: a new job with its id would receive the dying run's result.
    await expectError('job.remove', { ids: [running] }, 'INVALID_STATE', `job ${running} is still being stopped; try again in a moment`);
    await canceling;
    expect((await rpc.call('status', {})).workers.every((w) => w.job_id !== running)).toBe(true);
    expect((await rpc.call('job.retry', { id: running })).job.state).toBe('pending');
    await t.until(running, 'processing');
    await t.ok(['cancel', running]);

    await t.ok(['config', 'set', 'workers', '1']);
    const blocker = await enqueue('sleep 2');
    const waiting = await enqueue('true');
    await expectError('job.retry', { id: waiting }, 'INVALID_STATE', `job ${waiting} is pending: it will run anyway; nothing to retry`);
    await t.ok(['cancel', blocker]);
    await t.ok(['config', 'set', 'workers', '2']);

    await expectError('job.retry', {}, 'INVALID_ARGUMENT', 'id must be a string');
    await expectError('job.retry', { id: 42 }, 'INVALID_ARGUMENT', 'id must be a string');
    await expectError('job.retry', { id: 'zzzzzzzz-none' }, 'JOB_NOT_FOUND', 'no job with id or prefix "zzzzzzzz-none"');
    await expectError('job.retry', { id: '' }, 'INVALID_ARGUMENT', 'job id must not be empty');
  });

  it('job.remove deletes finished jobs with their attempts and logs, all named or none', async () => {
    const a = await enqueue('echo a');
    const b = await enqueue('exit 1', '--retries', '0');
    const c = await enqueue('sleep 30');
    await t.until(a, 'completed');
    await t.until(b, 'dead');
    await t.until(c, 'processing');
    expect(existsSync(logOf(a))).toBe(true);

    const refused = await failure(rpc.call('job.remove', { ids: [a, c] }));
    expect(refused.code).toBe('INVALID_STATE');
    expect(refused.message).toBe(`job ${c} is processing; only completed, dead and canceled jobs can be removed (cancel it first). Nothing was removed`);
    expect(refused.details).toMatchObject({ id: c, state: 'processing' });
    expect((await t.show(a)).state).toBe('completed');

    expect(await rpc.call('job.remove', { ids: [a.slice(0, 5), b, a] })).toEqual({ removed: [a, b] });
    expect(existsSync(logOf(a))).toBe(false);
    expect(existsSync(logOf(b))).toBe(false);
    expect((await t.cli(['show', a])).code).not.toBe(0);
    await expectError('show', { id: b }, 'JOB_NOT_FOUND', `no job with id or prefix "${b}"`);

    await t.ok(['cancel', c]);
    await t.until(c, 'canceled');
    // Removable once its run has ended (until then job.remove says it is still being stopped).
    await waitFor(async () => (await rpc.call('status', {})).workers.every((w) => w.job_id !== c), 10_000, 'the canceled run to end');
    expect((await rpc.call('job.remove', { ids: [c] })).removed).toEqual([c]);

    await expectError('job.remove', {}, 'INVALID_ARGUMENT', 'ids must be an array of job ids');
    await expectError('job.remove', { ids: 'abc' }, 'INVALID_ARGUMENT', 'ids must be an array of job ids');
    await expectError('job.remove', { ids: [] }, 'INVALID_ARGUMENT', 'ids must name at least one job');
    await expectError('job.remove', { ids: [7] }, 'INVALID_ARGUMENT', 'ids[0] must be a string');
    await expectError('job.remove', { ids: Array.from({ length: MAX_SELECTED_IDS + 1 }, (_, i) => `id${i}`) }, 'INVALID_ARGUMENT', /at most 1000 jobs per call, got 1001/);
    await expectError('job.remove', { ids: [a] }, 'JOB_NOT_FOUND', `no job with id or prefix "${a}"`);
  });

  it('dlq.purge deletes every dead job and its log; dlq.retry takes a list of ids, all or none', async () => {
    const dead = await Promise.all([1, 2, 3].map((n) => enqueue(`echo dying ${n}; exit ${n}`, '--retries', '0')));
    const alive = await enqueue('echo fine');
    for (const id of dead) await t.until(id, 'dead');
    await t.until(alive, 'completed');

    const refused = await failure(rpc.call('dlq.retry', { ids: [dead[0]!, alive] }));
    expect(refused.code).toBe('INVALID_STATE');
    expect(refused.message).toBe(`job ${alive} is completed, not dead; only jobs in the DLQ can be retried. Nothing was retried`);
    expect((await t.show(dead[0]!)).state).toBe('dead');

    const retried = await rpc.call('dlq.retry', { ids: [dead[0]!, dead[1]!.slice(0, 6)] });
    expect(retried.count).toBe(2);
    expect(retried.jobs.map((j) => [j.id, j.state, j.attempts])).toEqual([[dead[0], 'pending', 0], [dead[1], 'pending', 0]]);
    for (const id of dead) await t.until(id, 'dead');

    await expectError('dlq.retry', { ids: [] }, 'INVALID_ARGUMENT', 'ids must name at least one job');
    await expectError('dlq.retry', { ids: [dead[0]], all: true }, 'INVALID_ARGUMENT', 'give exactly one of id, ids (an array) or all: true');
    await expectError('dlq.retry', { id: dead[0], ids: [dead[1]] }, 'INVALID_ARGUMENT', 'give exactly one of id, ids (an array) or all: true');
    await expectError('dlq.retry', {}, 'INVALID_ARGUMENT', 'give exactly one of id, ids (an array) or all: true');
    await expectError('dlq.retry', { ids: ['no-such-job'] }, 'JOB_NOT_FOUND', 'no job with id or prefix "no-such-job"');

    const deadNow = (await rpc.call('status', {})).counts.dead;
    expect(deadNow).toBeGreaterThanOrEqual(3);
    expect(await rpc.call('dlq.purge', {})).toEqual({ count: deadNow });
    for (const id of dead) {
      expect(existsSync(logOf(id))).toBe(false);
      await expectError('show', { id }, 'JOB_NOT_FOUND', `no job with id or prefix "${id}"`);
    }
    expect((await t.show(alive)).state).toBe('completed');
    expect((await rpc.call('status', {})).counts.dead).toBe(0);
    expect(await rpc.call('dlq.purge', {})).toEqual({ count: 0 });
    await expectError('dlq.purge', [1], 'INVALID_ARGUMENT', 'params must be an object');
  });

  it('list searches, sorts and pages; total counts every match', async () => {
    const specs = [
      { id: 'srch-1', command: 'echo Alpha-Report', priority: 1 },
      { id: 'srch-2', command: 'echo beta', name: 'ALPHA nightly', priority: 9 },
      { id: 'srch-3', command: 'echo alpha_report', priority: 5 },
      { id: 'srch-4', command: 'echo 50% alpha', priority: 3 },
    ];
    await t.ok(['enqueue', '--stdin'], { input: specs.map((s) => JSON.stringify(s)).join('\n') });
    for (const s of specs) await t.until(s.id, 'completed');

    const all = await rpc.call('list', { search: 'alpha' });
    expect(all.total).toBe(4);
    expect(all.jobs.map((j) => j.id)).toEqual(['srch-4', 'srch-3', 'srch-2', 'srch-1']);
    expect((await rpc.call('list', { search: 'alpha_' })).jobs.map((j) => j.id)).toEqual(['srch-3']);
    expect((await rpc.call('list', { search: '50%' })).jobs.map((j) => j.id)).toEqual(['srch-4']);
    const byPriority = await rpc.call('list', { search: 'ALPHA', sort: 'priority', order: 'desc', limit: 2 });
    expect(byPriority).toMatchObject({ total: 4 });
    expect(byPriority.jobs.map((j) => j.id)).toEqual(['srch-2', 'srch-3']);
    const page2 = await rpc.call('list', { search: 'ALPHA', sort: 'priority', order: 'desc', limit: 2, offset: 2 });
    expect(page2.jobs.map((j) => j.id)).toEqual(['srch-4', 'srch-1']);
    expect(page2.total).toBe(4);
    expect((await rpc.call('list', { search: 'alpha', sort: 'created', order: 'asc', limit: 1 })).jobs[0]!.id).toBe('srch-1');
    const updated = await rpc.call('list', { sort: 'updated', limit: 1000 });
    const times = updated.jobs.map((j) => Date.parse(j.updated_at));
    expect(times.every((x, i) => i === 0 || x <= times[i - 1]!)).toBe(true);
    expect((await rpc.call('list', { search: 'alpha', state: 'pending' })).total).toBe(0);
    expect((await rpc.call('list', { search: 'no such text anywhere' })).total).toBe(0);

    await expectError('list', { sort: 'size' }, 'INVALID_ARGUMENT', 'unknown sort "size"; sorts are created, updated, priority, attempts, state, command, queue, name, started, finished, duration');
    await expectError('list', { created_after: 'yesterday' }, 'INVALID_ARGUMENT', 'created_after must be an ISO date and time, got "yesterday"');
    await expectError('list', { order: 'descending' }, 'INVALID_ARGUMENT', 'order must be "asc" or "desc", got "descending"');
    await expectError('list', { offset: -5 }, 'INVALID_ARGUMENT', /^offset must be between 0 and/);
    await expectError('list', { search: ['alpha'] }, 'INVALID_ARGUMENT', 'search must be a string');
  });

  it('stats counts real runs in the current minutes and lists the newest failures', async () => {
    const before = await rpc.call('stats', {});
    const sum = (s: typeof before, key: 'completed' | 'failed') => s.throughput.reduce((n, m) => n + m[key], 0);
    const ok = await Promise.all([1, 2, 3].map((n) => enqueue(`echo ok ${n}`)));
    const bad = await enqueue('exit 7', '--retries', '1');
    for (const id of ok) await t.until(id, 'completed');
    await t.until(bad, 'dead');
    const after = await rpc.call('stats', {});
    expect(after.throughput).toHaveLength(60);
    expect(Date.parse(after.throughput[59]!.minute)).toBe(Math.floor(Date.now() / 60_000) * 60_000);
    expect(sum(after, 'completed') - sum(before, 'completed')).toBe(3);
    expect(sum(after, 'failed') - sum(before, 'failed')).toBe(2);
    expect(after.recent_failures.length).toBeLessThanOrEqual(10);
    expect(after.recent_failures.slice(0, 2)).toEqual([
      expect.objectContaining({ job_id: bad, command: 'exit 7', state: 'dead', attempt: 2, outcome: 'failed', exit_code: 7, error: 'exited with code 7' }),
      expect.objectContaining({ job_id: bad, attempt: 1, outcome: 'failed' }),
    ]);
    await expectError('stats', 'now', 'INVALID_ARGUMENT', 'params must be an object');

    // The dead run counts as dead too; the same figures over 24 h and 7 d (the daemon is younger than an hour).
    expect(after.totals.dead - before.totals.dead).toBe(1);
    expect(after.totals.failed - before.totals.failed).toBe(2);
    for (const range of ['24h', '7d'] as const) expect((await rpc.call('stats', { range })).totals).toEqual(after.totals);
    // One queue's runs only.
    const metric = await enqueue('echo metric', '--queue', 'metrics');
    await t.until(metric, 'completed');
    expect((await rpc.call('stats', { queue: 'metrics' })).totals).toEqual({ completed: 1, failed: 0, dead: 0, canceled: 0 });

    // Deleting the jobs (purge, clean, remove) changes none of it.
    const kept = (await rpc.call('stats', { range: '24h' })).totals;
    expect((await rpc.call('dlq.purge', {})).count).toBeGreaterThanOrEqual(1);
    await rpc.call('jobs.clean', { states: ['completed', 'canceled'] });
    expect((await rpc.call('list', {})).jobs.filter((j) => j.state === 'completed' || j.state === 'dead')).toEqual([]);
    expect((await rpc.call('stats', { range: '24h' })).totals).toEqual(kept);
  });

  it('left nothing alarming in the daemon log', () => {
    expect(t.daemonLog().split('\n').filter((l) => /internal error|could not|exception/i.test(l))).toEqual([]);
  });
});
