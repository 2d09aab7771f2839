import { afterAll, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { TestHome, waitFor, type ShownJob } from '../helpers/daemon.js';

const ms = (iso: string | null): number => Date.parse(iso!);

/**
 * A black-box run in the style of the QueueCTL assignment's public test suites (issue 15): only the binary,
 * in the order those suites type it: queue work first, start workers later.
 */
describe('the assignment scenario, start to finish', () => {
  const t = new TestHome();
  afterAll(() => t.dispose());
  const list = async (...args: string[]): Promise<Job[]> => JSON.parse(await t.ok(['list', '--json', ...args])) as Job[];

  it('enqueues several jobs with no workers running; they are listed pending', async () => {
    for (const n of [1, 2, 3]) await t.ok(['enqueue', `{"id":"job${n}","command":"echo job ${n}"}`]);
    await t.ok(['enqueue', '{"id":"bad","command":"echo failing; exit 1","max_retries":2}']);
    expect((await list('--state', 'pending')).map((j) => j.id).sort()).toEqual(['bad', 'job1', 'job2', 'job3']);
    expect(await t.ok(['list', '--state', 'pending'])).toMatch(/^bad\s+pending\s+0\/3\s/m);
  });

  it('config set max-retries and the backoff work before any daemon runs', async () => {
    await t.ok(['config', 'set', 'max-retries', '2']);
    await t.ok(['config', 'set', 'backoff-factor-ms', '200']);
    expect(await t.ok(['config', 'get', 'max-retries'])).toBe('2');
  });

  it('starts 3 workers: the jobs complete; the failing one is retried with growing delays, then lands in the DLQ', async () => {
    await t.start(3);
    expect((await t.json<{ workers: unknown[] }>(['status'])).workers).toHaveLength(3);
    for (const n of [1, 2, 3]) await t.until(`job${n}`, 'completed');
    expect(await t.ok(['logs', 'job2'])).toBe('job 2');
    const dead: ShownJob = await t.until('bad', 'dead');
    const runs = dead.attempt_history;
    expect(runs).toHaveLength(3);
    // backoff_factor_ms × 2^n: at least 400 ms before the first retry, 800 ms before the second.
    expect(ms(runs[1]!.started_at) - ms(runs[0]!.finished_at)).toBeGreaterThanOrEqual(390);
    expect(ms(runs[2]!.started_at) - ms(runs[1]!.finished_at)).toBeGreaterThanOrEqual(790);
    expect(await t.ok(['dlq', 'list'])).toMatch(/^bad\s/m);
    expect(await t.ok(['list', '--state', 'dead'])).toMatch(/^bad\s+dead\s+3\/3\s/m);
  });

  it('dlq retry puts it back; with a fixed command spec it would pass, this one dies again', async () => {
    await t.ok(['dlq', 'retry', 'bad']);
    const again = await waitFor(async () => {
      const job = await t.show('bad');
      return job.state === 'dead' && job.attempt_history.length === 6 ? job : undefined;
    }, 30_000, 'the retried job to go dead again');
    expect(again.attempts).toBe(3);
  });

  it('stop and restart: jobs, DLQ and config are kept', async () => {
    await t.stop();
    expect(await t.answers()).toBe(false);
    expect((await list('--state', 'completed')).map((j) => j.id).sort()).toEqual(['job1', 'job2', 'job3']);
    await t.start(3);
    expect(await t.ok(['config', 'get', 'max_retries'])).toBe('2');
    expect((await list('--state', 'dead')).map((j) => j.id)).toEqual(['bad']);
    expect((await list('--state', 'completed'))).toHaveLength(3);
    await t.stop();
  });
});
