import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcClient } from '../../protocol/node/client.js';
import type { Job } from '../../protocol/index.js';
import { allSettled, expectRefused, storeSnapshot, expectSameWithoutDaemon } from '../helpers/bad-input.js';
import { TestHome } from '../helpers/daemon.js';
import { rpcFailure } from '../helpers/rpc.js';

/**
 * clean: every bad input gets a clear message on stderr, the documented exit code, nothing on stdout, and
 * leaves the store exactly as it was (jobs of every finished state are there to be wrongly deleted).
 */
describe('bad input to clean is refused and changes nothing', () => {
  const t = new TestHome();
  const spec = (id: string, command: string, extra: Record<string, unknown> = {}) => JSON.stringify({ id, command, ...extra });

  beforeAll(async () => {
    await t.start(1);
    await t.ok(['config', 'set', 'backoff_factor_ms', '0']);
    await t.ok(['enqueue', spec('done1', 'true')]);
    await t.ok(['enqueue', spec('dead1', 'exit 7', { max_retries: 0 })]);
    await allSettled(t);
    await t.ok(['enqueue', spec('run1', 'sleep 1000')]);
    await t.until('run1', 'processing');
    await t.ok(['enqueue', spec('wait1', 'true')]);
    await t.ok(['enqueue', spec('gone1', 'true')]);
    await t.ok(['cancel', 'gone1']);
  });
  afterAll(async () => {
    await t.dispose();
  });

  const snapshot = () => storeSnapshot(t);

  const cases: Array<[string, string[], number, RegExp]> = [
    ['clean on a pipe without --yes', ['clean'], 2, /clean deletes jobs and their logs; add --yes to confirm when stdin is not a terminal \(nothing was deleted\)/],
    ['clean --json on a pipe without --yes', ['clean', '--json'], 2, /add --yes to confirm/],
    ['clean --state dead on a pipe without --yes', ['clean', '--state', 'dead'], 2, /add --yes to confirm/],
    ['--state pending', ['clean', '--state', 'pending', '--yes'], 2, /option '--state <state>' argument 'pending' is invalid\. pending jobs cannot be cleaned: only completed, dead and canceled jobs can \(cancel them first\)/],
    ['--state processing', ['clean', '--state', 'processing', '--yes'], 2, /processing jobs cannot be cleaned: only completed, dead and canceled jobs can \(cancel them first\)/],
    ['--state failed', ['clean', '--state', 'failed', '--yes'], 2, /failed jobs cannot be cleaned[\s\S]*cancel them first/],
    ['--state completed,failed', ['clean', '--state', 'completed,failed', '--yes'], 2, /failed jobs cannot be cleaned/],
    ['--state dead --state pending', ['clean', '--state', 'dead', '--state', 'pending', '--yes'], 2, /pending jobs cannot be cleaned/],
    ['--state bogus', ['clean', '--state', 'bogus', '--yes'], 2, /unknown state "bogus"; clean takes completed, dead, canceled/],
    ['--state in upper case', ['clean', '--state', 'COMPLETED', '--yes'], 2, /unknown state "COMPLETED"/],
    ['--state empty', ['clean', '--state', '', '--yes'], 2, /empty state; clean takes completed, dead, canceled/],
    ['--state with a trailing comma', ['clean', '--state', 'completed,', '--yes'], 2, /empty state/],
    ['--state without a value', ['clean', '--state'], 2, /option '--state <state>' argument missing/],
    ['--older-than nonsense', ['clean', '--older-than', '7x', '--yes'], 2, /expected a duration such as 7d, 12h, 30m or 1h30m, got "7x"/],
    ['--older-than negative', ['clean', '--older-than', '-7d', '--yes'], 2, /expected a duration[\s\S]*got "-7d"/],
    ['--older-than empty', ['clean', '--older-than', '', '--yes'], 2, /expected a duration[\s\S]*got ""/],
    ['--older-than weeks (no such unit)', ['clean', '--older-than', '2w', '--yes'], 2, /got "2w"/],
    ['--older-than beyond any age', ['clean', '--older-than', '999999999999d', '--yes'], 2, /longer than any job can have existed, got "999999999999d"/],
    ['--older-than without a value', ['clean', '--older-than'], 2, /option '--older-than <duration>' argument missing/],
    ['--dry-run with a bad state', ['clean', '--dry-run', '--state', 'pending'], 2, /pending jobs cannot be cleaned/],
    ['a job id as an argument', ['clean', 'done1', '--yes'], 2, /too many arguments for 'clean'/],
    ['an unknown flag', ['clean', '--force'], 2, /unknown option '--force'/],
    ['--all (there is no such flag)', ['clean', '--all', '--yes'], 2, /unknown option '--all'/],
  ];

  it.each(cases)('%s', async (_label, args, code, message) => {
    await expectRefused(t, args, code, message);
  });

  it('the daemon refuses bad jobs.clean params the same way: INVALID_ARGUMENT, nothing deleted', async () => {
    const rpc = await RpcClient.connect(t.home, 'bad-input-clean');
    try {
      const before = await snapshot();
      const cases: Array<[unknown, RegExp]> = [
        [{ states: ['pending'] }, /pending jobs cannot be cleaned: only completed, dead and canceled jobs can \(cancel them first\)/],
        [{ states: ['completed', 'processing'] }, /processing jobs cannot be cleaned/],
        [{ states: [] }, /states must name at least one state/],
        [{ states: 'dead' }, /states must be an array/],
        [{ states: [null] }, /states\[0\] must be a string/],
        [{ states: ['x'.repeat(500)] }, /unknown state/],
        [{ older_than_ms: -1 }, /older_than_ms must be between 0 and 9007199254740991, got -1/],
        [{ older_than_ms: 0.5 }, /older_than_ms must be a whole number/],
        [{ older_than_ms: '7d' }, /older_than_ms must be a whole number/],
        [{ dry_run: 1 }, /dry_run must be true or false/],
        [[], /params must be an object/],
      ];
      for (const [params, message] of cases) {
        const err = await rpcFailure(rpc.call('jobs.clean', params as never));
        expect(err.code, JSON.stringify(params)).toBe('INVALID_ARGUMENT');
        expect(err.message).toMatch(message);
      }
      expect(await snapshot()).toBe(before);
    } finally {
      rpc.close();
    }
  });

  it('the jobs are where they were', async () => {
    const states = Object.fromEntries((await t.json<Job[]>(['list'])).map((j) => [j.id, j.state]));
    expect(states).toEqual({ done1: 'completed', dead1: 'dead', run1: 'processing', wait1: 'pending', gone1: 'canceled' });
  });

  it('clean answers without a daemon as with one', async () => {
    await expectSameWithoutDaemon([['clean', '--yes'], ['clean', '--dry-run'], ['clean', '--state', 'dead', '--older-than', '1d', '--yes', '--json'], ['clean', '--state', 'pending', '--yes']]);
  });
});
