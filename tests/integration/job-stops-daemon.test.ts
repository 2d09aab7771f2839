import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, TestHome, isAlive, waitFor } from '../helpers/daemon.js';
import { storeQuery } from '../helpers/home-store.js';

/**
 * Issue 13: a job that runs `queuectl worker stop` against its own daemon. The stop waits for the other
 * running jobs, not for the job that asked; that job's run is killed when the stop ends and counts as a
 * failed attempt, so a job that stops its daemon at every start goes dead after max_retries + 1 runs.
 */
describe('a job that stops its own daemon', () => {
  const t = new TestHome();
  const stopper = `"${process.execPath}" "${CLI}" worker stop; echo not reached`;
  let pid = 0;
  let asker = '';

  beforeAll(async () => {
    pid = await t.start(2);
    await t.ok(['config', 'set', 'backoff_factor_ms', '0']);
  });
  afterAll(() => t.dispose());

  /** The stored job and its runs' outcomes, read from the store while no daemon runs. */
  const stored = async (id: string): Promise<{ state: string; attempts: number; last_error: string | null; outcomes: string[] }> => {
    const [job] = (
      await storeQuery<{ state: string; attempts: number; last_error: string | null }>(
        t,
        { sqlite: 'SELECT state, attempts, last_error FROM jobs WHERE id = ?', postgres: 'SELECT state, attempts, last_error FROM queuectl.jobs WHERE id = $1' },
        [id],
      )
    ).rows;
    const runs = await storeQuery<{ outcome: string }>(
      t,
      { sqlite: 'SELECT outcome FROM attempts WHERE job_id = ? ORDER BY number', postgres: 'SELECT outcome FROM queuectl.attempts WHERE job_id = $1 ORDER BY number' },
      [id],
    );
    return { ...job!, outcomes: runs.rows.map((a) => a.outcome) };
  };

  const daemonGone = async (): Promise<void> => {
    await waitFor(() => !isAlive(pid), 20_000, `the daemon (pid ${pid}) to exit`);
  };

  it('the stop waits for the other running job, not for the job that asked, and the asker spends an attempt', async () => {
    const other = await t.ok(['enqueue', '--retries', '0', 'sleep 2; echo other done']);
    await t.until(other, 'processing');
    asker = await t.ok(['enqueue', '--retries', '1', stopper]);
    await daemonGone();
    // The other job finished its run (not killed and requeued); the asker's run failed with an attempt spent.
    expect(await stored(other)).toMatchObject({ state: 'completed', outcomes: ['completed'] });
    const first = await stored(asker);
    expect(first).toMatchObject({ state: 'failed', attempts: 1, outcomes: ['failed'] });
    expect(first.last_error).toMatch(/stopped its own daemon/);
  }, 30_000);

  it('a restart loop ends after max_retries + 1 runs, attempts counted', async () => {
    // Restart: the job (max_retries 1) runs a second time, stops the daemon again, and is now dead.
    pid = await t.start(2);
    await daemonGone();
    pid = await t.start(2);
    const shown = await t.show(asker);
    expect(shown.state).toBe('dead');
    expect(shown.attempts).toBe(2);
    expect(shown.attempt_history.map((a) => a.outcome)).toEqual(['failed', 'failed']);
    // The third start stays up: nothing stops it any more.
    await new Promise((r) => setTimeout(r, 500));
    expect(isAlive(pid)).toBe(true);
  }, 40_000);
});
