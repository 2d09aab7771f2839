import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { expectSameWithoutDaemon } from '../helpers/bad-input.js';
import { spawnSync } from 'node:child_process';
import { CLI, TestHome } from '../helpers/daemon.js';

/**
 * Every bad input gets a clear message on stderr, the documented exit code, nothing on stdout,
 * and leaves the store exactly as it was.
 */
describe('bad input is refused and changes nothing', () => {
  const t = new TestHome();
  let deadId = '';
  let doneId = '';

  beforeAll(async () => {
    await t.start(1);
    await t.ok(['config', 'set', 'backoff_factor_ms', '0']);
    await t.ok(['enqueue', '{"id":"dup1","command":"true"}']);
    await t.ok(['enqueue', '{"id":"dup2","command":"true"}']);
    deadId = await t.ok(['enqueue', 'exit 7', '--retries', '0']);
    doneId = await t.ok(['enqueue', 'true']);
    for (;;) {
      const jobs = await t.json<Job[]>(['list']);
      if (jobs.every((j) => j.state === 'completed' || j.state === 'dead')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => {
    await t.dispose();
  });

  const snapshot = async () => JSON.stringify({ jobs: await t.json<Job[]>(['list', '--limit', '1000']), config: await t.json(['config', 'list']) });

  const cases: Array<[string, () => string[], number, RegExp, (string | Buffer)?]> = [
    ['enqueue with no command', () => ['enqueue'], 2, /missing the command/],
    ['enqueue with an empty command', () => ['enqueue', ''], 2, /command is empty/],
    ['enqueue with a blank command', () => ['enqueue', '   '], 2, /command is empty/],
    ['--retries -1', () => ['enqueue', 'true', '--retries', '-1'], 2, /--retries.*from 0 to 1000/],
    ['--retries abc', () => ['enqueue', 'true', '--retries', 'abc'], 2, /whole number, got "abc"/],
    ['--retries 2.5', () => ['enqueue', 'true', '--retries', '2.5'], 2, /whole number, got "2.5"/],
    ['--retries huge', () => ['enqueue', 'true', '--retries', '99999999999999999999'], 2, /from 0 to 1000/],
    ['--priority text', () => ['enqueue', 'true', '--priority', 'high'], 2, /whole number/],
    ['--timeout nonsense', () => ['enqueue', 'true', '--timeout', '10x'], 2, /duration/],
    ['--timeout negative', () => ['enqueue', 'true', '--timeout', '-5m'], 2, /duration/],
    ['--cwd that does not exist', () => ['enqueue', 'true', '--cwd', '/nonexistent/queuectl-dir'], 2, /cwd "\/nonexistent\/queuectl-dir" is not an existing directory/],
    ['--cwd naming a file', () => ['enqueue', 'true', '--cwd', '/etc/hostname'], 2, /is not an existing directory/],
    ['JSON spec with a non-string cwd', () => ['enqueue', '{"command":"true","cwd":5}'], 2, /cwd must be an absolute path/],
    ['malformed JSON spec', () => ['enqueue', '{"command": "true"'], 2, /not valid JSON/],
    ['JSON spec without command', () => ['enqueue', '{"id":"x1"}'], 2, /needs a "command"/],
    ['JSON spec with a wrong type', () => ['enqueue', '{"command":"true","max_retries":"3"}'], 2, /max_retries must be a whole number/],
    ['JSON spec with an unknown field', () => ['enqueue', '{"command":"true","colour":"red"}'], 2, /unknown job field "colour"/],
    ['JSON spec of a job that is not new', () => ['enqueue', '{"command":"true","state":"completed"}'], 2, /cannot have state/],
    ['JSON spec with a bad id', () => ['enqueue', '{"id":"a b","command":"true"}'], 2, /id must be/],
    ['duplicate id', () => ['enqueue', '{"id":"dup1","command":"true"}'], 1, /exists already/],
    ['a command over 64 KiB', () => ['enqueue', 'x'.repeat(70_000)], 2, /limit is 65536/],
    ['list --state bogus', () => ['list', '--state', 'bogus'], 2, /unknown state "bogus"/],
    ['list --limit 0', () => ['list', '--limit', '0'], 2, /from 1 to 100000/],
    ['unknown flag', () => ['list', '--colour'], 2, /unknown option/],
    ['unknown command', () => ['frobnicate'], 2, /unknown command/],
    ['config set unknown key', () => ['config', 'set', 'colour', 'red'], 2, /unknown config key "colour"; known keys: max_retries/],
    ['config set out of range', () => ['config', 'set', 'max_retries', '-1'], 2, /between 0 and 1000/],
    ['config set not a number', () => ['config', 'set', 'backoff_base', 'two'], 2, /must be a number/],
    ['config set fraction for an integer key', () => ['config', 'set', 'workers', '1.5'], 2, /whole number/],
    ['config get unknown key', () => ['config', 'get', 'nope'], 2, /unknown config key/],
    ['config set without a value', () => ['config', 'set', 'max_retries'], 2, /missing required argument 'value'/],
    ['dlq retry of an unknown id', () => ['dlq', 'retry', 'zzzzzzzz'], 1, /no job with id or prefix "zzzzzzzz"/],
    ['dlq retry of a job that is not dead', () => ['dlq', 'retry', doneId], 1, /is completed, not dead/],
    ['dlq retry with neither id nor --all', () => ['dlq', 'retry'], 2, /give a job id, or --all/],
    ['dlq retry with both id and --all', () => ['dlq', 'retry', deadId, '--all'], 2, /not both/],
    ['ambiguous id prefix', () => ['show', 'dup'], 1, /matches several jobs/],
    ['unknown id', () => ['show', 'nosuchjob'], 1, /no job with id or prefix/],
    ['cancel of a finished job', () => ['cancel', doneId], 1, /only pending, failed and processing/],
    ['worker start --count 0', () => ['worker', 'start', '--count', '0'], 2, /from 1 to 64/],
    ['worker stop --timeout nonsense', () => ['worker', 'stop', '--timeout', 'soon'], 2, /duration/],
    ['worker start with an unknown flag', () => ['worker', 'start', '--turbo'], 2, /unknown option '--turbo'/],
    ['worker start --count abc', () => ['worker', 'start', '--count', 'abc'], 2, /whole number, got "abc"/],
    ['status with an unknown flag', () => ['status', '--verbose'], 2, /unknown option/],
    ['status with an extra argument', () => ['status', 'now'], 2, /too many arguments/],
    ['show without an id', () => ['show'], 2, /missing required argument 'id'/],
    ['logs of an unknown id', () => ['logs', 'nosuchjob'], 1, /no job with id or prefix/],
    ['logs without an id', () => ['logs'], 2, /missing required argument 'id'/],
    ['cancel of an unknown id', () => ['cancel', 'nosuchjob'], 1, /no job with id or prefix/],
    ['cancel with an ambiguous prefix', () => ['cancel', 'dup'], 1, /matches several jobs/],
    ['dlq list --limit -5', () => ['dlq', 'list', '--limit', '-5'], 2, /from 1 to 100000/],
    ['dlq list --limit abc', () => ['dlq', 'list', '--limit', 'abc'], 2, /whole number/],
    ['list --limit 1e6', () => ['list', '--limit', '1e6'], 2, /whole number, got "1e6"/],
    ['list --state with an empty value', () => ['list', '--state', ''], 2, /unknown state ""/],
    ['enqueue --priority beyond the range', () => ['enqueue', 'true', '--priority', '1000000000'], 2, /from -1000000 to 1000000/],
    ['enqueue --name too long', () => ['enqueue', 'true', '--name', 'n'.repeat(201)], 2, /name must be at most 200/],
    ['enqueue with a command and --stdin', () => ['enqueue', 'true', '--stdin'], 2, /either a command or --stdin/],
    ['JSON spec with trailing text', () => ['enqueue', '{"command":"true"} and more'], 2, /not valid JSON/],
    ['JSON spec that is null inside braces', () => ['enqueue', '{}'], 2, /needs a "command"/],
    ['JSON spec with a negative timeout', () => ['enqueue', '{"command":"true","timeout_ms":-1}'], 2, /timeout_ms must be between 0/],
    ['JSON spec with a huge max_retries', () => ['enqueue', '{"command":"true","max_retries":1e12}'], 2, /max_retries must be between 0 and 1000/],
    ['config set below the minimum', () => ['config', 'set', 'tick_interval_ms', '5'], 2, /between 10 and 60000/],
    ['config set above the maximum', () => ['config', 'set', 'workers', '65'], 2, /between 1 and 64/],
    ['config set a huge number', () => ['config', 'set', 'backoff_factor_ms', '1e309'], 2, /must be a whole number/],
    ['config set an empty value', () => ['config', 'set', 'max_retries', ''], 2, /must be a whole number/],
    ['config with an unknown subcommand', () => ['config', 'delete', 'max_retries'], 2, /unknown command 'delete'/],
    ['dlq with an unknown subcommand', () => ['dlq', 'frobnicate'], 2, /unknown command 'frobnicate'/],
    ['--stdin with invalid UTF-8', () => ['enqueue', '--stdin'], 2, /line 2: not valid UTF-8/, Buffer.from('echo ok\n\xff\xfe echo\n', 'latin1')],
    ['--stdin with a 1 MB command', () => ['enqueue', '--stdin'], 2, /line 1: 1048576 bytes; a command may have at most 65536/, 'x'.repeat(1024 * 1024)],
    ['--stdin with a malformed JSON line', () => ['enqueue', '--stdin'], 2, /line 3: the job spec is not valid JSON/, 'echo a\necho b\n{"command":\n'],
    ['--stdin with nothing on it', () => ['enqueue', '--stdin'], 2, /no jobs on stdin/, '\n\n'],
    ['--stdin with a duplicate id inside', () => ['enqueue', '--stdin'], 1, /exists already[\s\S]*nothing was enqueued/, '{"id":"same","command":"true"}\n{"id":"same","command":"true"}\n'],
  ];

  it.each(cases)('%s', async (_label, args, code, message, input) => {
    const before = await snapshot();
    const r = await t.cli(args(), { input });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(await snapshot()).toBe(before);
  });

  it('a command with invalid UTF-8 in its arguments is refused', async () => {
    const before = await snapshot();
    const r = spawnSync('/bin/sh', ['-c', `"${process.execPath}" "${CLI}" enqueue "$(printf 'echo \\377\\376')"`], { env: t.env(), encoding: 'utf8' });
    expect(r.stderr).toMatch(/not valid UTF-8/);
    expect(r.status).toBe(2);
    expect(await snapshot()).toBe(before);
  });

  it('the daemon is still up and answering after all of it', async () => {
    const r = await t.cli(['status']);
    expect(r.code).toBe(0);
  });

  it('without a daemon every command answers as a daemon would, working on the store (worker stop: exit 3)', async () => {
    await expectSameWithoutDaemon([['status'], ['list'], ['enqueue', '--retries', 'x', 'true'], ['enqueue', '{"command":"true","timeout":-1}'], ['show', 'x'], ['logs', 'x'], ['dlq', 'list'], ['dlq', 'retry', '--all'], ['config', 'list'], ['config', 'get', 'max_retries'], ['config', 'set', 'max_retries', '1'], ['config', 'set', 'max_retries', '-1'], ['config', 'get', 'nope'], ['cancel', 'x']]);
    const other = new TestHome();
    try {
      const r = await other.cli(['worker', 'stop']);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/no queuectl daemon is running[\s\S]*queuectl worker start/);
    } finally {
      await other.dispose();
    }
  });
});
