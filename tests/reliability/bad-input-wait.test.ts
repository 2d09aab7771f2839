import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { expectRefused, expectSameWithoutDaemon } from '../helpers/bad-input.js';
import { TestHome } from '../helpers/daemon.js';

/**
 * Bad input to wait, enqueue --wait/--follow and logs --follow/--tail: a clear message on stderr, the
 * documented exit code, nothing on stdout, and the store exactly as it was.
 */
describe('bad input to wait, follow and tail is refused and changes nothing', () => {
  const t = new TestHome();
  let doneId = '';

  beforeAll(async () => {
    await t.start(1);
    await t.ok(['enqueue', '{"id":"dup1","command":"true"}']);
    await t.ok(['enqueue', '{"id":"dup2","command":"true"}']);
    doneId = await t.ok(['enqueue', 'true']);
    for (;;) {
      const jobs = await t.json<Job[]>(['list']);
      if (jobs.every((j) => j.state === 'completed')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    await t.dispose();
  });


  const cases: Array<[string, () => string[], number, RegExp]> = [
    ['wait without an id', () => ['wait'], 2, /missing required argument 'id'/],
    ['wait with an empty id', () => ['wait', ''], 2, /a job id cannot be empty/],
    ['wait --timeout that is not a duration', () => ['wait', doneId, '--timeout', 'soon'], 2, /--timeout <duration>.*expected a duration such as 30s, 10m, 2h or 1h30m, got "soon"/],
    ['wait --timeout negative', () => ['wait', doneId, '--timeout', '-5s'], 2, /expected a duration/],
    ['wait --timeout with an unknown unit', () => ['wait', doneId, '--timeout', '10x'], 2, /expected a duration/],
    ['wait --timeout empty', () => ['wait', doneId, '--timeout', ''], 2, /expected a duration/],
    ['wait --timeout without a value', () => ['wait', doneId, '--timeout'], 2, /argument missing/],
    ['wait with an unknown flag', () => ['wait', doneId, '--forever'], 2, /unknown option '--forever'/],
    ['wait on an unknown id', () => ['wait', 'nosuchjob'], 1, /^queuectl: error: no job with id or prefix "nosuchjob"\n$/],
    ['wait on an ambiguous prefix', () => ['wait', 'dup'], 1, /matches several jobs/],
    ['wait on a good id and two unknown ones names both', () => ['wait', doneId, 'nosuch1', 'nosuch2'], 1, /^queuectl: error: no job with id or prefix "nosuch1"\nqueuectl: error: no job with id or prefix "nosuch2"\n$/],
    ['wait --json on an unknown id', () => ['wait', 'nosuchjob', '--json'], 1, /no job with id or prefix "nosuchjob"/],
    ['logs --tail -1', () => ['logs', doneId, '--tail', '-1'], 2, /from 0 to 100000000/],
    ['logs --tail abc', () => ['logs', doneId, '--tail', 'abc'], 2, /whole number, got "abc"/],
    ['logs -n 1.5', () => ['logs', doneId, '-n', '1.5'], 2, /whole number, got "1.5"/],
    ['logs --follow of an unknown id', () => ['logs', 'nosuchjob', '--follow'], 1, /no job with id or prefix "nosuchjob"/],
    ['logs --follow of an ambiguous prefix', () => ['logs', 'dup', '-f'], 1, /matches several jobs/],
    ['logs --tail of an unknown id', () => ['logs', 'nosuchjob', '--tail', '5'], 1, /no job with id or prefix "nosuchjob"/],
    ['logs --follow with an extra argument', () => ['logs', doneId, 'more', '--follow'], 2, /too many arguments/],
    ['enqueue --follow with --stdin', () => ['enqueue', '--stdin', '--follow'], 2, /--follow follows one job; with --stdin use --wait/],
    ['enqueue --follow with --json', () => ['enqueue', 'true', '--follow', '--json'], 2, /--follow prints the job's output, not JSON/],
    ['enqueue --wait-timeout without --wait', () => ['enqueue', 'true', '--wait-timeout', '5s'], 2, /--wait-timeout goes with --wait/],
    ['enqueue --wait-timeout with --follow', () => ['enqueue', 'true', '--wait', '--follow', '--wait-timeout', '5s'], 2, /--wait-timeout goes with --wait, not --follow/],
    ['enqueue --wait --wait-timeout nonsense', () => ['enqueue', 'true', '--wait', '--wait-timeout', '5 minutes'], 2, /expected a duration/],
    ['enqueue --wait without a command', () => ['enqueue', '--wait'], 2, /missing the command/],
    ['enqueue --wait with an empty command', () => ['enqueue', '', '--wait'], 2, /command is empty/],
    ['enqueue --follow with a bad JSON spec', () => ['enqueue', '{"command":', '--follow'], 2, /not valid JSON/],
    ['enqueue --wait with a duplicate id', () => ['enqueue', '{"id":"dup1","command":"true"}', '--wait'], 1, /exists already/],
    ['enqueue --follow with a duplicate id', () => ['enqueue', '{"id":"dup1","command":"true"}', '--follow'], 1, /exists already/],
    ['enqueue --wait with --retries out of range', () => ['enqueue', 'true', '--wait', '--retries', '-1'], 2, /from 0 to 1000/],
  ];

  it.each(cases)('%s', async (_label, args, code, message) => {
    await expectRefused(t, args(), code, message);
  });

  it('the daemon is still up and answering after all of it', async () => {
    expect((await t.cli(['status'])).code).toBe(0);
  });

  it('wait and follow exit 3 with the reason when no daemon runs; tail reads the store', async () => {
    const other = new TestHome();
    try {
      for (const args of [['wait', 'x'], ['wait', 'x', 'y', '--timeout', '1s'], ['logs', 'x', '--follow'], ['enqueue', 'true', '--wait'], ['enqueue', 'true', '--follow']]) {
        const r = await other.cli(args);
        expect(r.code, args.join(' ')).toBe(3);
        expect(r.stderr).toMatch(/no queuectl daemon is running for .*: .* needs one, with its workers\n\s+start one with: queuectl worker start/);
        expect(r.stdout).toBe('');
      }
      expect(await other.json(['list'])).toEqual([]);
    } finally {
      await other.dispose();
    }
    await expectSameWithoutDaemon([['logs', 'x', '--tail', '3']]);
  });
});
