import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { TestHome } from '../helpers/daemon.js';
import { rpcFailure } from '../helpers/rpc.js';

/** jobs.bulk against a real daemon: retry, cancel and remove by filter or by ids, all or none. */
describe('jobs.bulk (real daemon)', () => {
  const t = new TestHome();
  let rpc: RpcClient;
  const enqueue = (command: string, ...flags: string[]) => t.ok(['enqueue', command, ...flags]);
  const dead = async (queue: string): Promise<string> => {
    const id = await enqueue('echo dying >&2; exit 3', '--retries', '0', '--queue', queue);
    await t.until(id, 'dead');
    return id;
  };
  const states = async (ids: string[]): Promise<string[]> => Promise.all(ids.map(async (id) => (await t.show(id)).state));

  beforeAll(async () => {
    await t.start(2);
    rpc = await RpcClient.connect(t.home, 'bulk-test');
  });
  afterAll(async () => {
    rpc.close();
    await t.dispose();
  });

  it('retries every dead job of one queue matching the filter; the other queue stays dead', async () => {
    const gpu = [await dead('gpu'), await dead('gpu'), await dead('gpu')];
    const cpu = [await dead('cpu'), await dead('cpu')];
    const answer = await rpc.call('jobs.bulk', { action: 'retry', state: 'dead', queue: 'gpu', expect_count: 3 });
    expect(answer).toMatchObject({ action: 'retry', count: 3, dependents: 0 });
    expect([...answer.ids].sort()).toEqual([...gpu].sort());
    // They ran again and died again (two runs each); cpu's were never touched (one run each).
    for (const id of gpu) expect((await t.until(id, 'dead')).attempt_history).toHaveLength(2);
    for (const id of cpu) expect((await t.show(id)).attempt_history).toHaveLength(1);
    expect(await states(cpu)).toEqual(['dead', 'dead']);
  });

  it('all or none: a job the action does not fit refuses the call, naming it, and nothing changes', async () => {
    const gone = await dead('allornone');
    const waiting = await enqueue('echo later', '--queue', 'allornone', '--delay', '1h');
    const err = await rpcFailure(rpc.call('jobs.bulk', { action: 'retry', queue: 'allornone' }));
    expect(err.code).toBe('INVALID_STATE');
    expect(err.message).toContain(`job ${waiting} is pending`);
    expect(await states([gone, waiting])).toEqual(['dead', 'pending']);
  });

  it('refuses when the filter no longer matches the count the user confirmed', async () => {
    const a = await dead('confirm');
    const err = await rpcFailure(rpc.call('jobs.bulk', { action: 'remove', state: 'dead', queue: 'confirm', expect_count: 2 }));
    expect(err.code).toBe('INVALID_STATE');
    expect(err.details).toMatchObject({ count: 1 });
    expect((await t.show(a)).state).toBe('dead');
  });

  it('cancels every waiting job of a filter, children too, and removes them with their logs', async () => {
    const parent = await enqueue('echo parent', '--queue', 'later', '--delay', '1h');
    const child = await enqueue('echo child', '--queue', 'later', '--after', parent);
    const other = await enqueue('echo other', '--queue', 'elsewhere', '--delay', '1h');
    const canceled = await rpc.call('jobs.bulk', { action: 'cancel', queue: 'later', state: 'pending' });
    expect(canceled.count).toBe(2);
    expect(await states([parent, child, other])).toEqual(['canceled', 'canceled', 'pending']);

    const done = await enqueue('echo finished', '--queue', 'later');
    await t.until(done, 'completed');
    expect(existsSync(join(t.home, 'logs', `${done}.log`))).toBe(true);
    const removed = await rpc.call('jobs.bulk', { action: 'remove', ids: [parent, child, done] });
    expect(removed.count).toBe(3);
    for (const id of [parent, child, done]) expect((await t.cli(['show', id])).code).toBe(1);
    expect(existsSync(join(t.home, 'logs', `${done}.log`))).toBe(false);
    expect(await rpc.call('list', { queue: 'later' })).toMatchObject({ total: 0 });
  });

  it('refuses malformed calls', async () => {
    for (const params of [
      { action: 'explode', state: 'dead' },
      { action: 'retry', ids: ['x'], state: 'dead' },
      { action: 'cancel', state: 'pending', with_dependents: true },
      { action: 'retry', state: 'nope' },
    ]) {
      expect((await rpcFailure(rpc.call('jobs.bulk', params as never))).code, JSON.stringify(params)).toMatch(/INVALID_ARGUMENT|JOB_NOT_FOUND/);
    }
    expect((await rpcFailure(rpc.call('jobs.bulk', { action: 'retry', queue: 'never-named' }))).code).toBe('QUEUE_NOT_FOUND');
  });

  it('leaves the list of jobs consistent with what it answered', async () => {
    const jobs: Job[] = (await rpc.call('list', { state: 'dead', queue: 'cpu' })).jobs;
    expect(jobs).toHaveLength(2);
  });
});
