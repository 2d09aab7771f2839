import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_LIMITS } from '../../protocol/index.js';
import { allSettled, expectRefused, storeSnapshot } from '../helpers/bad-input.js';
import { TestHome } from '../helpers/daemon.js';

/**
 * Bad input to dependencies and queues (`enqueue --after`, `after` in JSON specs and --stdin batches,
 * `enqueue --queue`, `--with-dependents`): a clear message on stderr, exit code 2, nothing on stdout, and the
 * store exactly as it was; a batch with one bad line stores none of its lines.
 */
describe('bad parents and queue names are refused and change nothing', () => {
  const t = new TestHome();
  const spec = (fields: Record<string, unknown>) => JSON.stringify({ command: 'true', ...fields });
  const parents = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`);

  beforeAll(async () => {
    await t.start(1);
    await t.ok(['enqueue', spec({ id: 'dep-aa1' })]);
    await t.ok(['enqueue', spec({ id: 'dep-aa2' })]);
    await t.ok(['enqueue', spec({ id: 'solo-1111' })]);
    await allSettled(t);
  });
  afterAll(async () => {
    await t.dispose();
  });

  const cases: Array<[string, () => string[], RegExp]> = [
    ['--after an unknown job', () => ['enqueue', '--after', 'nosuchjob', 'true'], /^queuectl: error: after: no job with id or prefix "nosuchjob"; a parent must be enqueued before the jobs that wait for it\n$/],
    ['--after an ambiguous prefix', () => ['enqueue', '--after', 'dep-aa', 'true'], /after: "dep-aa" matches several jobs \(dep-aa1, dep-aa2\); type more of the parent's id/],
    ['--after a known job and an unknown one', () => ['enqueue', '--after', 'dep-aa1', '--after', 'nope', 'true'], /no job with id or prefix "nope"/],
    ['--after without a value', () => ['enqueue', 'true', '--after'], /option '--after <id>' argument missing/],
    ['--after empty', () => ['enqueue', '--after', '', 'true'], /option '--after <id>' argument '' is invalid\. expected a job id or unique prefix \(letters, digits, "\.", "_", "-"\), got ""/],
    ['--after with a space', () => ['enqueue', '--after', 'a b', 'true'], /expected a job id or unique prefix .*got "a b"/],
    ['--after too many parents', () => ['enqueue', ...parents(JOB_LIMITS.maxParents + 1).flatMap((p) => ['--after', p]), 'true'], new RegExp(`--after names ${JOB_LIMITS.maxParents + 1} jobs; a job may wait for at most ${JOB_LIMITS.maxParents} parents`)],
    ['JSON spec: after too many parents', () => ['enqueue', spec({ after: parents(JOB_LIMITS.maxParents + 1) })], new RegExp(`after names ${JOB_LIMITS.maxParents + 1} jobs; a job may wait for at most ${JOB_LIMITS.maxParents} parents`)],
    ['JSON spec: after is a string', () => ['enqueue', spec({ after: 'dep-aa1' })], /after must be a list of job ids \(parents\), e\.g\. \["a1b2c3d4"\]; got "dep-aa1"/],
    ['JSON spec: after holds a number', () => ['enqueue', spec({ after: ['dep-aa1', 42] })], /after\[1\] must be a job id or unique prefix .*; got 42/],
    ['JSON spec: a job waiting for itself', () => ['enqueue', spec({ id: 'selfish', after: ['selfish'] })], /dependency cycle: selfish → selfish; a job cannot wait for itself/],
    ['JSON spec: after an unknown job', () => ['enqueue', spec({ after: ['ghost'] })], /after: no job with id or prefix "ghost"/],
    ['JSON spec: a job waiting for itself by a prefix of its id', () => ['enqueue', spec({ id: 'selfish', after: ['self'] })], /^queuectl: error: dependency cycle: selfish → selfish; a job cannot wait for itself\n$/],
    ['--queue with a space', () => ['enqueue', '--queue', 'bad name', 'true'], /option '--queue <name>' argument 'bad name' is invalid\. expected a queue name: 1-64 letters, digits, "\.", "_" or "-", starting with a letter or digit; got "bad name"/],
    ['--queue empty', () => ['enqueue', '--queue', '', 'true'], /expected a queue name.*got ""/],
    ['--queue starting with a dot', () => ['enqueue', '--queue', '.hidden', 'true'], /expected a queue name.*got "\.hidden"/],
    ['--queue too long', () => ['enqueue', '--queue', 'q'.repeat(65), 'true'], /expected a queue name/],
    ['--queue without a value', () => ['enqueue', 'true', '--queue'], /option '--queue <name>' argument missing/],
    ['JSON spec: a bad queue', () => ['enqueue', spec({ queue: 'no/slash' })], /queue must be 1-64 letters, digits, "\.", "_" or "-", starting with a letter or digit; got "no\/slash"/],
    ['dlq retry --with-dependents without an id', () => ['dlq', 'retry', '--with-dependents'], /give a job id, or --all to retry every dead job/],
  ];

  it.each(cases)('%s', async (_label, args, message) => {
    await expectRefused(t, args(), 2, message);
  });

  const batches: Array<[string, string[], RegExp]> = [
    ['a cycle of two', [spec({ id: 'cy-a', after: ['cy-b'] }), spec({ id: 'cy-b', after: ['cy-a'] })], /^queuectl: error: line 1: dependency cycle: cy-a → cy-b → cy-a; each waits for the next \(nothing was enqueued\)\n$/],
    ['a cycle of three behind a good line', ['true', spec({ id: 'c3-a', after: ['c3-c'] }), spec({ id: 'c3-b', after: ['c3-a'] }), spec({ id: 'c3-c', after: ['c3-b'] })], /line 2: dependency cycle: c3-a → c3-c → c3-b → c3-a/],
    ['a parent listed after its child', [spec({ id: 'fw-a', after: ['fw-b'] }), 'true', spec({ id: 'fw-b' })], /line 1: after names "fw-b", which comes later \(line 3\); list parents before the jobs that wait for them \(nothing was enqueued\)/],
    ['a job waiting for itself', [spec({ id: 'me', after: ['me'] })], /line 1: dependency cycle: me → me; a job cannot wait for itself/],
    ['an unknown parent on line 2', [spec({ id: 'ok-1' }), spec({ after: ['ok-1', 'zz-unknown'] })], /line 2: after: no job with id or prefix "zz-unknown".*\(nothing was enqueued\)/],
    ['an ambiguous prefix among stored and earlier jobs', [spec({ id: 'dep-ab' }), spec({ after: ['dep-a'] })], /line 2: after: "dep-a" matches several jobs \(dep-aa1, dep-aa2, dep-ab\)/],
    ['a prefix of a later job only', [spec({ after: ['lat'] }), spec({ id: 'later-job' })], /line 1: after names "lat", which comes later \(line 2\)/],
    ['a prefix of an earlier job and a later one', [spec({ id: 'xy1' }), spec({ after: ['xy'] }), spec({ id: 'xy2' })], /^queuectl: error: line 2: after: "xy" matches several jobs \(xy1, xy2\); type more of the parent's id \(nothing was enqueued\)\n$/],
    ['a prefix of one stored job and a later one', ['true', spec({ after: ['solo'] }), spec({ id: 'solo-2' })], /line 2: after: "solo" matches several jobs \(solo-1111, solo-2\)/],
    ['a job waiting for itself by a prefix of its id', ['true', spec({ id: 'selfie', after: ['self'] })], /^queuectl: error: line 2: dependency cycle: selfie → selfie; a job cannot wait for itself \(nothing was enqueued\)\n$/],
  ];

  it.each(batches)('--stdin: %s', async (_label, lines, message) => {
    const before = await storeSnapshot(t);
    const r = await t.cli(['enqueue', '--stdin'], { input: lines.join('\n') });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(await storeSnapshot(t)).toBe(before);
  });
});
