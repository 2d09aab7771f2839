import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { TestHome, type ShownJob } from '../helpers/daemon.js';

/**
 * Delayed jobs against the real daemon and the built CLI, in real time: `enqueue --delay` and `--run-at`,
 * run_at in JSON specs, what list and show say about a waiting job, and delays across a stop and restart.
 */

/** How late a due job may start: the scheduler's timer fires at run_at, far sooner than the 1 s safety poll. */
const ON_TIME_MS = 400;
/**
 * How soon after `worker start` returns a job already due may start: the socket answers before the workers
 * are forked, so the first claim waits for a worker (hundreds of ms on a loaded machine); "at start-up" is
 * within tick resolution (1 s) of that.
 */
const AT_STARTUP_MS = 2000;
const ms = (iso: string | null): number => Date.parse(iso ?? '');

/** The job started at its run_at (never before it), promptly. */
function expectOnTime(job: ShownJob): void {
  const late = ms(job.started_at) - ms(job.run_at);
  expect(late, `started ${late} ms after run_at`).toBeGreaterThanOrEqual(0);
  expect(late, `started ${late} ms after run_at`).toBeLessThan(ON_TIME_MS);
}

/** A local time as a person types it for --run-at: "2030-06-01T14:00:05.250", no zone. */
function localIso(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

describe('delayed jobs on one daemon', () => {
  const t = new TestHome();
  beforeAll(async () => {
    await t.start(1);
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('--delay 2s: pending and not run for 2 s, then runs on time and completes', async () => {
    const before = Date.now();
    const id = await t.ok(['enqueue', '--delay', '2s', 'echo delayed']);
    const waiting = await t.show(id);
    expect(waiting.state).toBe('pending');
    expect(waiting.started_at).toBeNull();
    // run_at is 2 s after the command ran (the CLI's clock), so a little under 2 s after created_at.
    expect(ms(waiting.run_at)).toBeGreaterThanOrEqual(before + 2000);
    const lead = ms(waiting.run_at) - ms(waiting.created_at);
    expect(lead).toBeGreaterThan(1500);
    expect(lead).toBeLessThanOrEqual(2000);

    // Asked a second before run_at: a CLI call takes hundreds of ms on a loaded machine (CI runs files in parallel).
    await new Promise((r) => setTimeout(r, Math.max(0, ms(waiting.run_at) - Date.now() - 1000)));
    expect((await t.show(id)).state).toBe('pending');

    const done = await t.until(id, 'completed', 10_000);
    expectOnTime(done);
    expect(ms(done.started_at) - ms(done.created_at)).toBeGreaterThanOrEqual(lead);
    expect(ms(done.started_at) - ms(done.created_at)).toBeLessThan(2000 + ON_TIME_MS);
  });

  it('--run-at 4 s ahead, in UTC and in local time without a zone, runs then', async () => {
    // 4 s: the five CLI calls before the jobs are due take up to ~2 s on a loaded machine.
    const utcAt = Date.now() + 4000;
    const localAt = utcAt + 300;
    const utc = await t.ok(['enqueue', '--run-at', new Date(utcAt).toISOString(), 'true']);
    const local = await t.ok(['enqueue', '--run-at', localIso(localAt), 'true']);
    expect(ms((await t.show(utc)).run_at)).toBe(utcAt);
    expect(ms((await t.show(local)).run_at)).toBe(localAt);
    expect((await t.show(utc)).state).toBe('pending');
    const [a, b] = [await t.until(utc, 'completed', 10_000), await t.until(local, 'completed', 10_000)];
    expectOnTime(a);
    expectOnTime(b);
    expect(ms(a.started_at)).toBeGreaterThanOrEqual(utcAt);
    expect(ms(b.started_at)).toBeGreaterThanOrEqual(localAt);
  });

  it('a delayed job does not hold up the jobs behind it', async () => {
    const later = await t.ok(['enqueue', '--delay', '10m', '--priority', '100', 'true']);
    const now = await t.ok(['enqueue', 'true']);
    await t.until(now, 'completed', 10_000);
    expect((await t.show(later)).state).toBe('pending');
    await t.ok(['cancel', later]);
  });

  it('list says when a waiting job runs; --fields run_at gives the time; show has "run at"', async () => {
    const id = await t.ok(['enqueue', '--delay', '10m', '--name', 'later', 'echo later']);
    const table = await t.cli(['list', '--state', 'pending'], { env: { COLUMNS: '200' } });
    expect(table.code).toBe(0);
    const row = table.stdout.split('\n').find((line) => line.startsWith(id));
    expect(row).toMatch(/pending .* runs in (9m 5\d|10m 00)s +\[later\] echo later/);

    const job = await t.show(id);
    const fields = await t.ok(['list', '--state', 'pending', '--fields', 'id,state,run_at']);
    expect(fields.split('\n')).toEqual(['id\tstate\trun_at', `${id}\tpending\t${job.run_at}`]);

    const shown = await t.ok(['show', id]);
    expect(shown).toMatch(/run at +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(in (9m 5\d|10m 00)s\)/);
    await t.ok(['cancel', id]);
  });

  it('run_at in a JSON spec (with a zone or local), and --delay for every line of --stdin', async () => {
    const at = Date.now() + 3_600_000;
    const zoned = await t.json<Job>(['enqueue', JSON.stringify({ id: 'json-at', command: 'true', run_at: new Date(at).toISOString() })]);
    expect(zoned).toMatchObject({ id: 'json-at', state: 'pending', run_at: new Date(at).toISOString() });
    const local = await t.json<Job>(['enqueue', JSON.stringify({ command: 'true', run_at: localIso(at) })]);
    expect(local.run_at).toBe(new Date(at).toISOString());
    const soon = await t.json<Job>(['enqueue', JSON.stringify({ command: 'true', run_at: null })]);
    await t.until(soon.id, 'completed', 10_000);

    const before = Date.now();
    const ids = (await t.ok(['enqueue', '--stdin', '--delay', '1h'], { input: `true\n{"command":"true","run_at":"${new Date(at + 60_000).toISOString()}"}\n` })).split('\n');
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      const job = await t.show(id);
      expect(job.state).toBe('pending');
      // The flag wins over the spec's run_at, as --retries wins over max_retries.
      expect(ms(job.run_at)).toBeGreaterThanOrEqual(before + 3_600_000);
      expect(ms(job.run_at)).toBeLessThan(Date.now() + 3_600_000);
    }
    for (const id of ['json-at', local.id, ...ids]) await t.ok(['cancel', id]);
  });
});

describe('delayed jobs across a stop and restart', () => {
  let t: TestHome;
  beforeAll(() => {
    t = new TestHome();
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('a delayed job survives a stop and restart and runs on time after it', async () => {
    await t.start(1);
    const id = await t.ok(['enqueue', '--delay', '6s', 'echo survived']);
    await t.stop();
    expect(await t.answers()).toBe(false);
    await t.start(1);
    const up = Date.now();
    const job = await t.show(id);
    // A slow machine may take longer to restart than the delay: then it is due at start-up instead.
    if (ms(job.run_at) > Date.now() + 200) expect(job.state).toBe('pending');
    const done = await t.until(id, 'completed', 20_000);
    const late = ms(done.started_at) - Math.max(ms(done.run_at), up);
    expect(ms(done.started_at)).toBeGreaterThanOrEqual(ms(done.run_at));
    expect(late, `started ${late} ms after max(run_at, restart)`).toBeLessThan(ms(done.run_at) > up ? ON_TIME_MS : AT_STARTUP_MS);
    expect(done.attempt_history).toHaveLength(1);
    expect(await t.ok(['logs', id])).toBe('survived');
  });

  it('a job whose run_at passed while the daemon was stopped runs right at start-up', async () => {
    // The daemon from the test before is still up.
    const id = await t.ok(['enqueue', '--delay', '1s', 'echo late']);
    const { run_at: runAt } = await t.show(id);
    await t.stop();
    expect(await t.answers()).toBe(false);
    await new Promise((r) => setTimeout(r, Math.max(0, ms(runAt) - Date.now() + 500)));
    const startedAt = Date.now();
    await t.start(1);
    const answered = Date.now();
    const done = await t.until(id, 'completed', 15_000);
    expect(ms(done.run_at)).toBeLessThan(startedAt);
    expect(ms(done.started_at)).toBeGreaterThanOrEqual(startedAt);
    // Started as soon as the daemon was up and had a worker.
    expect(ms(done.started_at) - answered, 'ms from `worker start` returning to the start').toBeLessThan(AT_STARTUP_MS);
  });
});
