import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { allSettled, expectRefused, expectSameWithoutDaemon } from '../helpers/bad-input.js';
import { TestHome } from '../helpers/daemon.js';

/**
 * The management commands (retry, remove, dlq purge, dlq retry of several ids) and list's search, sort and
 * paging flags: every bad input gets a clear message on stderr, the documented exit code, nothing on stdout,
 * and leaves the store exactly as it was.
 */
describe('bad input to retry, remove, dlq purge, dlq retry and list is refused and changes nothing', () => {
  const t = new TestHome();
  const spec = (id: string, command: string, extra: Record<string, unknown> = {}) => JSON.stringify({ id, command, ...extra });

  beforeAll(async () => {
    // One worker, kept busy by `run1`: `wait1` stays pending, so both states can be refused.
    await t.start(1);
    await t.ok(['config', 'set', 'backoff_factor_ms', '0']);
    await t.ok(['enqueue', spec('done1', 'true')]);
    await t.ok(['enqueue', spec('done2', 'true')]);
    await t.ok(['enqueue', spec('dead1', 'exit 7', { max_retries: 0 })]);
    await t.ok(['enqueue', spec('dead2', 'exit 8', { max_retries: 0 })]);
    await allSettled(t);
    await t.ok(['enqueue', spec('run1', 'sleep 1000')]);
    await t.until('run1', 'processing');
    await t.ok(['enqueue', spec('wait1', 'true')]);
  });
  afterAll(async () => {
    await t.dispose();
  });

  const many = (n: number) => Array.from({ length: n }, (_, i) => `job${i}`);

  const cases: Array<[string, () => string[], number, RegExp]> = [
    // retry
    ['retry without an id', () => ['retry'], 2, /missing required argument 'id'/],
    ['retry of an empty id', () => ['retry', ''], 2, /a job id cannot be empty/],
    ['retry of a good id and an empty one', () => ['retry', 'done1', ''], 2, /a job id cannot be empty/],
    ['retry of an unknown id', () => ['retry', 'nosuchjob'], 1, /no job with id or prefix "nosuchjob"/],
    ['retry with an ambiguous prefix', () => ['retry', 'done'], 1, /"done" matches several jobs \(done1, done2\); type more of the id/],
    ['retry of a running job', () => ['retry', 'run1'], 1, /job run1 is processing: it is running now; cancel it first/],
    ['retry of a pending job', () => ['retry', 'wait1'], 1, /job wait1 is pending: it will run anyway; nothing to retry/],
    ['retry of several jobs none of which can be', () => ['retry', 'run1', 'wait1', 'nosuchjob'], 1, /run1 is processing[\s\S]*wait1 is pending[\s\S]*"nosuchjob"/],
    ['retry with an unknown flag', () => ['retry', 'done1', '--force'], 2, /unknown option '--force'/],
    // remove
    ['remove without an id', () => ['remove'], 2, /missing required argument 'id'/],
    ['rm without an id', () => ['rm'], 2, /missing required argument 'id'/],
    ['remove of an empty id', () => ['remove', 'done1', ''], 2, /a job id cannot be empty/],
    ['remove of an unknown id', () => ['remove', 'nosuchjob'], 1, /no job with id or prefix "nosuchjob"; nothing was removed/],
    ['remove of a finished job and an unknown one', () => ['rm', 'done1', 'dead1', 'nosuchjob'], 1, /"nosuchjob"; nothing was removed/],
    ['remove with an ambiguous prefix', () => ['remove', 'dead'], 1, /"dead" matches several jobs \(dead1, dead2\); type more of the id; nothing was removed/],
    ['remove of a running job', () => ['remove', 'run1'], 1, /job run1 is processing; only completed, dead and canceled jobs can be removed \(cancel it first\)\. Nothing was removed/],
    ['remove of finished jobs and a pending one', () => ['remove', 'done1', 'dead1', 'wait1'], 1, /job wait1 is pending; only completed, dead and canceled[\s\S]*Nothing was removed/],
    ['remove of more than 1000 ids', () => ['remove', ...many(1001)], 2, /at most 1000 job ids at once, got 1001; run it several times/],
    ['remove with an unknown flag', () => ['remove', 'done1', '--force'], 2, /unknown option '--force'/],
    // dlq purge
    ['dlq purge without --yes on a pipe', () => ['dlq', 'purge'], 2, /add --yes to confirm when stdin is not a terminal \(nothing was deleted\)/],
    ['dlq purge --json without --yes on a pipe', () => ['dlq', 'purge', '--json'], 2, /add --yes/],
    ['dlq purge with an id', () => ['dlq', 'purge', 'dead1'], 2, /too many arguments for 'purge'/],
    ['dlq purge with an unknown flag', () => ['dlq', 'purge', '--force'], 2, /unknown option '--force'/],
    // dlq retry of several
    ['dlq retry of a dead job and a completed one', () => ['dlq', 'retry', 'dead1', 'done1'], 1, /job done1 is completed, not dead; only jobs in the DLQ can be retried\. Nothing was retried/],
    ['dlq retry of dead jobs and an unknown one', () => ['dlq', 'retry', 'dead1', 'dead2', 'nosuchjob'], 1, /no job with id or prefix "nosuchjob"; nothing was retried/],
    ['dlq retry of a dead job and a running one', () => ['dlq', 'retry', 'dead1', 'run1'], 1, /job run1 is processing, not dead[\s\S]*Nothing was retried/],
    ['dlq retry of several with an ambiguous prefix', () => ['dlq', 'retry', 'dead1', 'done'], 1, /"done" matches several jobs[\s\S]*nothing was retried/],
    ['dlq retry of several ids and --all', () => ['dlq', 'retry', 'dead1', 'dead2', '--all'], 2, /give a job id or --all, not both/],
    ['dlq retry of an empty id', () => ['dlq', 'retry', ''], 2, /a job id cannot be empty/],
    ['dlq retry of an empty id and --all', () => ['dlq', 'retry', '', '--all'], 2, /not both/],
    ['dlq retry of more than 1000 ids', () => ['dlq', 'retry', ...many(1001)], 2, /at most 1000 job ids at once, got 1001/],
    // list
    ['list --sort bogus', () => ['list', '--sort', 'bogus'], 2, /unknown sort "bogus"; sorts are created, updated, priority, attempts, state, command/],
    ['list --sort with an empty value', () => ['list', '--sort', ''], 2, /unknown sort ""/],
    ['list --sort in upper case', () => ['list', '--sort', 'PRIORITY'], 2, /unknown sort "PRIORITY"/],
    ['list --sort without a value', () => ['list', '--sort'], 2, /option '--sort <field>' argument missing/],
    ['list --order up', () => ['list', '--order', 'up'], 2, /expected asc or desc, got "up"/],
    ['list --order without a value', () => ['list', '--order'], 2, /option '--order <order>' argument missing/],
    ['list --asc (there is --order asc)', () => ['list', '--asc'], 2, /unknown option '--asc'/],
    ['list --offset -1', () => ['list', '--offset', '-1'], 2, /--offset.*from 0 to/],
    ['list --offset abc', () => ['list', '--offset', 'abc'], 2, /whole number, got "abc"/],
    ['list --offset 1.5', () => ['list', '--offset', '1.5'], 2, /whole number, got "1.5"/],
    ['list --offset beyond a safe integer', () => ['list', '--offset', '99999999999999999999'], 2, /from 0 to 9007199254740991/],
    ['list --search over 1000 characters', () => ['list', '--search', 'x'.repeat(1001)], 2, /--search may be at most 1000 characters, got 1001/],
    ['list --search without a value', () => ['list', '--search'], 2, /option '--search <text>' argument missing/],
  ];

  it.each(cases)('%s', async (_label, args, code, message) => {
    await expectRefused(t, args(), code, message);
  });

  it('the jobs the cases named are where they were', async () => {
    const states = Object.fromEntries((await t.json<Job[]>(['list'])).map((j) => [j.id, j.state]));
    expect(states).toEqual({ done1: 'completed', done2: 'completed', dead1: 'dead', dead2: 'dead', run1: 'processing', wait1: 'pending' });
  });

  it('every new command answers without a daemon as with one', async () => {
    await expectSameWithoutDaemon([['retry', 'x'], ['retry', 'x', 'y'], ['remove', 'x'], ['rm', 'x'], ['dlq', 'purge', '--yes'], ['dlq', 'retry', 'x', 'y'], ['list', '--search', 'x', '--sort', 'priority', '--order', 'asc', '--offset', '5'], ['list', '--sort', 'nope']]);
  });
});
