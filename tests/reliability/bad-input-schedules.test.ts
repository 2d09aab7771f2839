import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schedule } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { expectRefused, expectSameWithoutDaemon } from '../helpers/bad-input.js';
import { TestHome } from '../helpers/daemon.js';
import { expectInvalidArgument } from '../helpers/rpc.js';

/**
 * Bad input to recurring schedules (schedule add, list, remove): a clear message on stderr, exit code 2 (1 for
 * a schedule that does not exist), nothing on stdout, and the store exactly as it was, schedules included.
 */
describe('bad schedules are refused and change nothing', () => {
  const t = new TestHome();
  let existing: string;

  beforeAll(async () => {
    await t.start(1);
    existing = await t.ok(['schedule', 'add', '@yearly', 'echo happy new year']);
  });
  afterAll(async () => {
    await t.dispose();
  });

  /** The schedules (the job list and config are expectRefused's). */
  const schedules = (): Promise<string> => t.ok(['schedule', 'list', '--json']);
  const FORMS = /give 5 fields \(minute hour day-of-month month day-of-week\), 6 with seconds first, or one of @hourly, @daily, @weekly, @monthly, @yearly/;

  const cases: Array<[string, string[], RegExp]> = [
    ['a malformed cron expression', ['schedule', 'add', 'not a cron', 'true'], new RegExp(`invalid cron expression "not a cron": it has 3 fields; ${FORMS.source}`)],
    ['four fields', ['schedule', 'add', '* * * *', 'true'], /invalid cron expression "\* \* \* \*": it has 4 fields; give 5 fields/],
    ['seven fields (a year)', ['schedule', 'add', '0 0 0 1 1 * 2030', 'true'], /invalid cron expression "0 0 0 1 1 \* 2030": it has 7 fields \(a year field is not supported\)/],
    ['a minute of 61', ['schedule', 'add', '61 * * * *', 'true'], /invalid cron expression "61 \* \* \* \*": Invalid value for minute: 61/],
    ['an unknown month name', ['schedule', 'add', '0 0 1 FOO *', 'true'], /invalid cron expression "0 0 1 FOO \*": /],
    ['a step of zero', ['schedule', 'add', '*/0 * * * *', 'true'], /invalid cron expression "\*\/0 \* \* \* \*": /],
    ['a cron that never fires (February 31)', ['schedule', 'add', '0 0 31 2 *', 'true'], /invalid cron expression "0 0 31 2 \*": it never fires \(no such date exists, e\.g\. February 30\)/],
    ['a cron that never fires (April 31)', ['schedule', 'add', '0 12 31 4 *', 'true'], /it never fires/],
    ['@reboot', ['schedule', 'add', '@reboot', 'true'], /invalid cron expression "@reboot": @reboot is not supported \(schedules fire on the clock\)/],
    ['an unknown nickname', ['schedule', 'add', '@fortnightly', 'true'], /invalid cron expression "@fortnightly": unknown nickname/],
    ['an empty cron expression', ['schedule', 'add', '', 'true'], /invalid cron expression "": it is empty/],
    ['a 201-character cron expression', ['schedule', 'add', `${'1,'.repeat(100)}1 * * * *`.slice(0, 201), 'true'], /cron must be at most 200 characters, got 201/],
    ['an unquoted cron expression', ['schedule', 'add', '*/5', '*', '*', '*', '*', 'make', 'backup'], /"\*\/5" is not a whole cron expression: quote it as one argument, e\.g\. queuectl schedule add "\*\/5 \* \* \* \*" "make backup"/],
    ['an unknown time zone', ['schedule', 'add', '* * * * *', 'true', '--tz', 'Mars/Olympus_Mons'], /tz "Mars\/Olympus_Mons" is not a known time zone; give an IANA name such as "Europe\/Berlin", "America\/New_York" or "UTC"/],
    ['an empty time zone', ['schedule', 'add', '* * * * *', 'true', '--tz', ''], /tz must be an IANA time zone such as "Europe\/Berlin", "America\/New_York" or "UTC", or null for the daemon's local zone; got ""/],
    ['--tz without a zone', ['schedule', 'add', '* * * * *', 'true', '--tz'], /option '--tz <zone>' argument missing/],
    ['a queue name with a space', ['schedule', 'add', '* * * * *', 'true', '--queue', 'night jobs'], /option '--queue <name>' argument 'night jobs' is invalid\. a queue name is 1-64 letters, digits, "\.", "_" or "-", starting with a letter or digit; got "night jobs"/],
    ['a queue name starting with a dash', ['schedule', 'add', '* * * * *', 'true', '--queue', '-q'], /a queue name is 1-64 letters.*got "-q"/],
    ['no command', ['schedule', 'add', '* * * * *'], /missing required argument 'command'/],
    ['neither cron nor command', ['schedule', 'add'], /missing required argument 'cron'/],
    ['an empty command', ['schedule', 'add', '* * * * *', ''], /the command is empty; give a shell command/],
    ['a blank command', ['schedule', 'add', '* * * * *', '   '], /the command is empty/],
    ['--retries -1', ['schedule', 'add', '* * * * *', 'true', '--retries', '-1'], /option '--retries <n>' argument '-1' is invalid\. expected a whole number from 0 to 1000, got -1/],
    ['--retries 1001', ['schedule', 'add', '* * * * *', 'true', '--retries', '1001'], /expected a whole number from 0 to 1000, got 1001/],
    ['--retries abc', ['schedule', 'add', '* * * * *', 'true', '--retries', 'abc'], /option '--retries <n>' argument 'abc' is invalid\. expected a whole number, got "abc"/],
    ['--retries 1.5', ['schedule', 'add', '* * * * *', 'true', '--retries', '1.5'], /expected a whole number, got "1\.5"/],
    ['--priority beyond the limit', ['schedule', 'add', '* * * * *', 'true', '--priority', '1000001'], /expected a whole number from -1000000 to 1000000, got 1000001/],
    ['--timeout that is no duration', ['schedule', 'add', '* * * * *', 'true', '--timeout', 'soon'], /option '--timeout <duration>' argument 'soon' is invalid\. expected a duration such as 30s, 10m, 2h or 1h30m, got "soon"/],
    ['--timeout over 24 days', ['schedule', 'add', '* * * * *', 'true', '--timeout', '30d'], /timeout_ms must be between 0 and 2073600000, got 2592000000/],
    ['a 201-character --name', ['schedule', 'add', '* * * * *', 'true', '--name', 'n'.repeat(201)], /name must be at most 200 characters/],
    ['an unknown option', ['schedule', 'add', '* * * * *', 'true', '--every', '5m'], /unknown option '--every'/],
    ['--overlap that is neither skip nor allow', ['schedule', 'add', '* * * * *', 'true', '--overlap', 'queue'], /option '--overlap <skip\|allow>' argument 'queue' is invalid\. expected skip or allow \(what a slot does while the previous job has not ended\), got "queue"/],
    ['--overlap in capitals', ['schedule', 'add', '* * * * *', 'true', '--overlap', 'SKIP'], /expected skip or allow .*got "SKIP"/],
    ['--overlap without a value', ['schedule', 'add', '* * * * *', 'true', '--overlap'], /option '--overlap <skip\|allow>' argument missing/],
    ['a --cwd that does not exist', ['schedule', 'add', '* * * * *', 'true', '--cwd', '/nonexistent/queuectl-cwd'], /^queuectl: error: cwd "\/nonexistent\/queuectl-cwd" is not an existing directory\n$/],
    ['a --cwd that is a file', ['schedule', 'add', '* * * * *', 'true', '--cwd', '/etc/hostname'], /cwd "\/etc\/hostname" is not an existing directory/],
    ['an unknown subcommand', ['schedule', 'snooze', 'abc'], /unknown command 'snooze'/],
    ['schedule pause with an empty id', ['schedule', 'pause', ''], /a schedule id cannot be empty/],
    ['schedule edit with nothing to change', ['schedule', 'edit', 'abc'], /nothing to change: give at least one of --cron/],
    ['schedule edit with an empty --command', ['schedule', 'edit', 'abc', '--command', ' '], /--command is empty/],
    ['schedule list with an argument', ['schedule', 'list', 'x'], /too many arguments for 'list'/],
    ['schedule remove without an id', ['schedule', 'remove'], /missing required argument 'id'/],
    ['schedule remove with an empty id', ['schedule', 'remove', ''], /a schedule id cannot be empty/],
    ['schedule remove with two ids', ['schedule', 'remove', 'a', 'b'], /too many arguments for 'remove'/],
  ];

  it.each(cases)('%s', async (_label, args, message) => {
    const before = await schedules();
    await expectRefused(t, args, 2, message);
    expect(await schedules()).toBe(before);
  });

  it('schedule remove of an id nobody has exits 1 and says so', async () => {
    const before = await schedules();
    await expectRefused(t, ['schedule', 'remove', 'zzzzzzzz'], 1, /^queuectl: error: no schedule with id or prefix "zzzzzzzz" \(queuectl schedule list shows them\)\n$/);
    expect(await schedules()).toBe(before);
  });

  it('the daemon refuses bad schedule params the same way: INVALID_ARGUMENT, nothing stored', async () => {
    const rpc = await RpcClient.connect(t.home, 'bad-input-schedules');
    try {
      const before = await schedules();
      const cases: Array<[string, unknown, RegExp]> = [
        ['schedule.add', { cron: '* * * * *', command: 'true', every: '5m' }, /unknown field "every" for schedule\.add; accepted: cron, command, tz, queue, name, max_retries, priority, timeout_ms, cwd, overlap, env, umask$/],
        ['schedule.add', { cron: '* * * * *', command: 'true', overlap: 'sometimes' }, /^overlap must be "skip" or "allow" \(what a slot does while the previous job has not ended\); got "sometimes"$/],
        ['schedule.add', { cron: '* * * * *', command: 'true', overlap: 0 }, /overlap must be "skip" or "allow"/],
        ['schedule.add', { cron: '* * * * *', command: 'true', cwd: '/nonexistent/queuectl-cwd' }, /^cwd "\/nonexistent\/queuectl-cwd" is not an existing directory$/],
        ['schedule.add', { cron: '* * * * *', command: 'true', id: 'fixed' }, /unknown field "id" for schedule\.add/],
        ['schedule.add', { cron: '* * * * *', command: 'true', run_at: '2030-01-01T00:00:00Z' }, /unknown field "run_at" for schedule\.add/],
        ['schedule.add', { command: 'true' }, /cron is required/],
        ['schedule.add', { cron: '* * * * *' }, /command is required/],
        ['schedule.add', { cron: 5, command: 'true' }, /cron must be a string/],
        ['schedule.add', { cron: '* * * * *', command: 7 }, /command must be a string/],
        ['schedule.add', { cron: '* * * * *', command: 'true', tz: 1 }, /tz must be an IANA time zone/],
        ['schedule.add', { cron: '* * * * *', command: 'true', queue: 'a/b' }, /queue must be 1-64 letters/],
        ['schedule.add', { cron: '* * * * *', command: 'true', max_retries: 2.5 }, /max_retries must be a whole number, got 2\.5/],
        ['schedule.add', { cron: '* * * * *', command: 'true', priority: '3' }, /priority must be a whole number, got "3"/],
        ['schedule.add', { cron: '* * * * *', command: 'true', timeout_ms: -1 }, /timeout_ms must be between 0 and/],
        ['schedule.add', { cron: '* * * * *', command: 'true', cwd: 'relative/dir' }, /cwd must be an absolute path/],
        ['schedule.add', { cron: '* * * * *', command: 'nul\0byte' }, /command must not contain NUL bytes/],
        ['schedule.add', [], /params must be an object/],
        ['schedule.list', { all: true }, /schedule\.list takes no params; got "all"/],
        ['schedule.remove', {}, /id must be a string/],
        ['schedule.remove', { id: '' }, /schedule id must not be empty/],
        ['schedule.remove', { id: existing, force: true }, /unknown field "force" for schedule\.remove; accepted: id/],
      ];
      await expectInvalidArgument(rpc, cases);
      expect(await schedules()).toBe(before);
    } finally {
      rpc.close();
    }
  });

  it('the schedule set up first is still the only one, untouched', async () => {
    const { schedules: list } = JSON.parse(await schedules()) as { schedules: Schedule[] };
    expect(list.map((s) => [s.id, s.cron, s.command, s.last_job_id])).toEqual([[existing, '@yearly', 'echo happy new year', null]]);
  });

  it('schedule add, list and remove answer without a daemon as with one', async () => {
    await expectSameWithoutDaemon([['schedule', 'add', '@daily', 'true'], ['schedule', 'add', 'not a cron', 'true'], ['schedule', 'list'], ['schedule', 'remove', 'abc']]);
  });
});
