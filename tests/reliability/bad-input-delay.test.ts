import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { TestHome } from '../helpers/daemon.js';

/**
 * Bad input to delayed jobs (enqueue --delay, --run-at, run_at in JSON specs): a clear message on stderr,
 * exit code 2, nothing on stdout, and the store exactly as it was.
 */
describe('bad delays and start times are refused and change nothing', () => {
  const t = new TestHome();
  const DAY = 86_400_000;
  const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

  beforeAll(async () => {
    await t.start(1);
    await t.ok(['enqueue', '{"id":"done1","command":"true"}']);
    await t.ok(['enqueue', '--delay', '1h', '{"id":"later1","command":"true"}']);
    await t.until('done1', 'completed');
  });
  afterAll(async () => {
    await t.dispose();
  });

  const snapshot = async () => JSON.stringify({ jobs: await t.json<Job[]>(['list', '--limit', '1000']), config: await t.json(['config', 'list']) });

  const cases: Array<[string, () => string[], RegExp, string?]> = [
    ['--delay negative', () => ['enqueue', 'true', '--delay', '-5m'], /option '--delay <duration>' argument '-5m' is invalid\. expected a duration such as 30s, 10m, 2h or 1h30m, got "-5m"/],
    ['--delay with an unknown unit', () => ['enqueue', 'true', '--delay', '10x'], /expected a duration.*got "10x"/],
    ['--delay empty', () => ['enqueue', 'true', '--delay', ''], /expected a duration.*got ""/],
    ['--delay words', () => ['enqueue', 'true', '--delay', 'soon'], /expected a duration.*got "soon"/],
    ['--delay without a value', () => ['enqueue', 'true', '--delay'], /argument missing/],
    ['--delay beyond a year', () => ['enqueue', 'true', '--delay', '366d'], /--delay may be at most 365 days/],
    ['--run-at in the past', () => ['enqueue', 'true', '--run-at', '2020-01-01T00:00:00Z'], /--run-at 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d is in the past \(it is now .*\); give a future time, or --delay/],
    ['--run-at five minutes ago', () => ['enqueue', 'true', '--run-at', iso(-5 * 60_000)], /is in the past/],
    ['--run-at more than a year ahead', () => ['enqueue', 'true', '--run-at', iso(366 * DAY)], /--run-at may be at most 365 days ahead/],
    ['--run-at that is not a time', () => ['enqueue', 'true', '--run-at', 'tomorrow'], /option '--run-at <time>' argument 'tomorrow' is invalid\. expected an ISO 8601 time such as 2030-06-01T14:00 \(local time\)/],
    ['--run-at as epoch seconds', () => ['enqueue', 'true', '--run-at', '1900000000'], /expected an ISO 8601 time/],
    ['--run-at on February 30', () => ['enqueue', 'true', '--run-at', '2031-02-30T10:00'], /expected an ISO 8601 time.*got "2031-02-30T10:00"/],
    ['--run-at at 24:00', () => ['enqueue', 'true', '--run-at', '2031-01-01T24:00'], /expected an ISO 8601 time/],
    ['--run-at with a bad offset', () => ['enqueue', 'true', '--run-at', '2031-01-01T10:00+25:00'], /expected an ISO 8601 time/],
    ['--delay and --run-at together', () => ['enqueue', 'true', '--delay', '5m', '--run-at', iso(DAY)], /give --delay or --run-at, not both/],
    ['--delay and --run-at with --stdin', () => ['enqueue', '--stdin', '--delay', '5m', '--run-at', iso(DAY)], /give --delay or --run-at, not both/, 'true\n'],
    ['JSON spec with run_at in the past', () => ['enqueue', '{"command":"true","run_at":"2020-01-01T00:00:00Z"}'], /^queuectl: error: run_at "2020-01-01T00:00:00.000Z" is in the past \(it is now .*\); give a future time, or leave run_at out/],
    ['JSON spec with run_at beyond a year', () => ['enqueue', JSON.stringify({ command: 'true', run_at: iso(400 * DAY) })], /run_at ".*" is more than 365 days ahead; that is the furthest a job can be scheduled/],
    ['JSON spec with a numeric run_at', () => ['enqueue', '{"command":"true","run_at":1900000000000}'], /run_at must be an ISO 8601 time with a time zone, e\.g\. "2030-06-01T14:00:00Z" .*; got 1900000000000/],
    ['JSON spec with a run_at that is not a time', () => ['enqueue', '{"command":"true","run_at":"next week"}'], /run_at must be an ISO 8601 time such as 2030-06-01T14:00 \(local time\).*got "next week"/],
    ['JSON spec with a delay_ms field', () => ['enqueue', '{"command":"true","delay_ms":5000}'], /unknown job field "delay_ms"; accepted: .*run_at/],
    ['--stdin with a past run_at on line 2', () => ['enqueue', '--stdin'], /line 2: run_at ".*" is in the past.*\(nothing was enqueued\)/, 'true\n{"command":"true","run_at":"2020-01-01T00:00:00Z"}\n'],
    ['--stdin with a malformed run_at on line 1', () => ['enqueue', '--stdin'], /line 1: run_at must be an ISO 8601 time/, '{"command":"true","run_at":"2030-13-01T00:00"}\ntrue\n'],
    ['--delay with --wait on a bad value', () => ['enqueue', 'true', '--wait', '--delay', '-1s'], /expected a duration/],
  ];

  it.each(cases)('%s', async (_label, args, message, input) => {
    const before = await snapshot();
    const r = await t.cli(args(), { input });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(await snapshot()).toBe(before);
  });

  it('the waiting job is untouched and the daemon still answers', async () => {
    const job = await t.show('later1');
    expect(job.state).toBe('pending');
    expect(Date.parse(job.run_at)).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect((await t.cli(['status'])).code).toBe(0);
  });
});
