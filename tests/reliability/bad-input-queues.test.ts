import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcClient } from '../../protocol/node/client.js';
import { expectRefused, expectSameWithoutDaemon } from '../helpers/bad-input.js';
import { TestHome } from '../helpers/daemon.js';
import { expectInvalidArgument, rpcFailure } from '../helpers/rpc.js';

/**
 * Bad input to named queues (queue set, queue list, pause/resume --queue, list --queue): a clear message on
 * stderr, exit code 2 (a queue nobody named: 1, like a job or schedule not found), nothing on stdout, and
 * the store exactly as it was, queue settings and pause included.
 */
describe('bad queue settings and names are refused and change nothing', () => {
  const t = new TestHome();

  beforeAll(async () => {
    await t.start(1);
    await t.ok(['queue', 'set', 'gpu', '--parallel', '2']);
    await t.ok(['pause', '--queue', 'gpu']);
    await t.ok(['enqueue', '{"id":"g1","command":"true","queue":"gpu"}']);
  });
  afterAll(async () => {
    await t.dispose();
  });

  /** The queues with their settings and pause state (the job list and config are expectRefused's); latency grows by itself. */
  const queues = async (): Promise<string> => (await t.ok(['queue', 'list', '--json'])).replace(/"latency_ms": \d+/g, '"latency_ms": 0');

  const long = 'q'.repeat(65);
  const cases: Array<[string, string[], RegExp]> = [
    ['queue set without a setting', ['queue', 'set', 'gpu'], /queue set needs at least one setting: --parallel <n\|all>, --pause-on-dead or --no-pause-on-dead/],
    ['queue set of a new queue without a setting', ['queue', 'set', 'fresh'], /queue set needs at least one setting/],
    ['queue set --parallel 0', ['queue', 'set', 'gpu', '--parallel', '0'], /option '--parallel <n\|all>' argument '0' is invalid\. expected a whole number from 1 to 1000, or "all" for no limit; got 0/],
    ['queue set --parallel -1', ['queue', 'set', 'gpu', '--parallel', '-1'], /argument '-1' is invalid\. expected a whole number from 1 to 1000/],
    ['queue set --parallel abc', ['queue', 'set', 'gpu', '--parallel', 'abc'], /argument 'abc' is invalid\. expected a whole number from 1 to 1000, or "all" for no limit; got "abc"/],
    ['queue set --parallel 1001', ['queue', 'set', 'gpu', '--parallel', '1001'], /expected a whole number from 1 to 1000, or "all" for no limit; got 1001/],
    ['queue set --parallel 1.5', ['queue', 'set', 'gpu', '--parallel', '1.5'], /got "1\.5"/],
    ['queue set --parallel without a value', ['queue', 'set', 'gpu', '--parallel'], /option '--parallel <n\|all>' argument missing/],
    ['queue set with an unknown option', ['queue', 'set', 'gpu', '--priority', '3'], /unknown option '--priority'/],
    ['queue set with a misspelt option', ['queue', 'set', 'gpu', '--paralel', '3'], /unknown option '--paralel'/],
    ['queue set without a name', ['queue', 'set', '--parallel', '3'], /missing required argument 'name'/],
    ['queue set with a name that has a space', ['queue', 'set', 'g pu', '--parallel', '1'], /a queue name is 1-64 letters, digits, "\.", "_" or "-", starting with a letter or digit; got "g pu"/],
    ['queue set with a name starting with a dot', ['queue', 'set', '.gpu', '--parallel', '1'], /a queue name is 1-64 letters.*got "\.gpu"/],
    ['queue set with a 65-character name', ['queue', 'set', long, '--parallel', '1'], /a queue name is 1-64 letters/],
    ['queue set with two names', ['queue', 'set', 'gpu', 'cpu', '--parallel', '1'], /too many arguments for 'set'/],
    ['an unknown queue subcommand', ['queue', 'delete', 'gpu'], /unknown command 'delete'/],
    ['queue list with an argument', ['queue', 'list', 'gpu'], /too many arguments for 'list'/],
    ['pause --queue with a bad name', ['pause', '--queue', 'no/slash'], /option '--queue <name>' argument 'no\/slash' is invalid\. a queue name is 1-64 letters/],
    ['pause --queue with an empty name', ['pause', '--queue', ''], /a queue name is 1-64 letters.*got ""/],
    ['pause --queue without a name', ['pause', '--queue'], /option '--queue <name>' argument missing/],
    ['resume --queue with a bad name', ['resume', '--queue', '-x'], /option '--queue <name>' argument '-x' is invalid\. a queue name is 1-64 letters.*got "-x"/],
    ['list --queue with a bad name', ['list', '--queue', 'a b'], /a queue name is 1-64 letters.*got "a b"/],
    ['resume --all with --queue', ['resume', '--all', '--queue', 'gpu'], /give --queue <name> or --all, not both/],
    ['resume --all with a value', ['resume', '--all', 'gpu'], /too many arguments for 'resume'/],
    ['pause --all (there is no such option: pause without --queue holds every queue)', ['pause', '--all'], /unknown option '--all'/],
  ];

  /** A queue nobody named is not found (exit 1, like an unknown job or schedule), not bad usage. */
  const notFound: Array<[string, string[], RegExp]> = [
    ['pause --queue of a queue nobody named', ['pause', '--queue', 'gpuu'], /no queue named "gpuu"; queues: default, gpu \(a queue exists once a job is enqueued in it or `queue set` creates it\)/],
    ['resume --queue of a queue nobody named', ['resume', '--queue', 'cpu'], /no queue named "cpu"; queues: default, gpu/],
    ['list --queue of a queue nobody named', ['list', '--queue', 'nope'], /no queue named "nope"; queues: default, gpu/],
  ];

  it.each(cases)('%s', async (_label, args, message) => {
    const before = await queues();
    await expectRefused(t, args, 2, message);
    expect(await queues()).toBe(before);
  });

  it.each(notFound)('%s: exit 1', async (_label, args, message) => {
    const before = await queues();
    await expectRefused(t, args, 1, message);
    expect(await queues()).toBe(before);
  });

  it('the daemon refuses bad queue params the same way: INVALID_ARGUMENT (an unknown queue: QUEUE_NOT_FOUND), nothing stored', async () => {
    const rpc = await RpcClient.connect(t.home, 'bad-input-queues');
    try {
      const before = await queues();
      const cases: Array<[string, unknown, RegExp]> = [
        ['queue.set', { name: 'gpu' }, /queue\.set needs at least one setting: parallel \(1 to 1000, or null for no limit\) or pause_on_dead/],
        ['queue.set', { name: 'gpu', parallel: 0 }, /parallel must be between 1 and 1000, got 0/],
        ['queue.set', { name: 'gpu', parallel: 1001 }, /parallel must be between 1 and 1000, got 1001/],
        ['queue.set', { name: 'gpu', parallel: 2.5 }, /parallel must be a whole number/],
        ['queue.set', { name: 'gpu', parallel: '2' }, /parallel must be a whole number/],
        ['queue.set', { name: 'gpu', pause_on_dead: 'yes' }, /pause_on_dead must be true or false, got "yes"/],
        ['queue.set', { name: 'gpu', pause_on_dead: null }, /pause_on_dead must be true or false, got null/],
        ['queue.set', { name: 'gpu', paralel: 2 }, /unknown field "paralel" for queue\.set; accepted: name, parallel, pause_on_dead/],
        ['queue.set', { name: 'gpu', paused: true }, /unknown field "paused" for queue\.set/],
        ['queue.set', { parallel: 2 }, /name must be 1-64 letters.*got undefined/],
        ['queue.set', { name: 7, parallel: 2 }, /name must be 1-64 letters.*got 7/],
        ['queue.set', { name: 'a b', parallel: 2 }, /name must be 1-64 letters.*got "a b"/],
        ['queue.set', [], /params must be an object/],
        ['queue.list', { all: true }, /queue\.list takes no params; got "all"/],
        ['queue.pause', { queue: '' }, /queue must be 1-64 letters/],
        ['queue.pause', { queue: 3 }, /queue must be 1-64 letters/],
        ['queue.pause', { name: 'gpu' }, /unknown field "name" for queue\.pause; accepted: queue/],
        ['queue.resume', { queues: ['gpu'] }, /unknown field "queues" for queue\.resume; accepted: queue, all/],
        ['queue.resume', { all: 'yes' }, /all must be true or false/],
        ['queue.resume', { all: true, queue: 'gpu' }, /queue\.resume takes queue \(one named queue\) or all \(every queue\), not both/],
        ['queue.pause', { all: true }, /unknown field "all" for queue\.pause; accepted: queue/],
        ['list', { queue: 5 }, /queue must be 1-64 letters/],
      ];
      await expectInvalidArgument(rpc, cases);
      const missing: Array<[string, unknown]> = [
        ['queue.pause', { queue: 'nope' }],
        ['queue.resume', { queue: 'nope' }],
        ['list', { queue: 'nope' }],
      ];
      for (const [method, params] of missing) {
        const err = await rpcFailure(rpc.call(method as 'queue.pause', params as never));
        expect(err.code, `${method} ${JSON.stringify(params)}`).toBe('QUEUE_NOT_FOUND');
        expect(err.message).toBe('no queue named "nope"; queues: default, gpu (a queue exists once a job is enqueued in it or `queue set` creates it)');
      }
      expect(await queues()).toBe(before);
      expect((await rpc.call('status', {})).paused).toBe(false);
    } finally {
      rpc.close();
    }
  });

  it('the queues are as they were set up: gpu paused with limit 2, its job waiting', async () => {
    const { queues: list } = JSON.parse(await queues()) as { queues: Array<{ name: string; paused: boolean; parallel: number | null; pause_on_dead: boolean }> };
    expect(list.map((q) => [q.name, q.paused, q.parallel, q.pause_on_dead])).toEqual([
      ['default', false, null, false],
      ['gpu', true, 2, false],
    ]);
    expect((await t.show('g1')).state).toBe('pending');
  });

  it('queue list, queue set and pause --queue answer without a daemon as with one', async () => {
    await expectSameWithoutDaemon([['queue', 'list'], ['queue', 'set', 'gpu', '--parallel', '1'], ['queue', 'set', 'gpu', '--parallel', '-1'], ['pause', '--queue', 'nope'], ['pause', '--queue', 'gpu'], ['resume', '--queue', 'gpu']]);
  });
});
