import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusResult } from '../../protocol/index.js';
import { TestHome, isAlive, waitFor } from '../helpers/daemon.js';

/**
 * kill -9 of the daemon AND its workers leaves nobody to end a run: start-up recovery does. Besides the
 * run's process group it kills every process carrying the run's QUEUECTL_RUN marker, recorded with the
 * attempt when the run was claimed (migration 0012), so a process that left the group and the session
 * (setsid) is found too. Linux only (/proc); elsewhere recovery reaches the group alone.
 */
describe.runIf(process.platform === 'linux')('recovery after kill -9 of the daemon and its workers', () => {
  let t: TestHome;
  afterEach(async () => {
    await t.dispose();
  });

  it('kills a run\'s process that escaped its group and session (setsid), by its marker; the run is recorded interrupted', async () => {
    t = new TestHome();
    const daemon = await t.start(1);
    const pidFile = join(t.home, 'escaped.pid');
    const id = await t.ok(['enqueue', '--retries', '0', `setsid sh -c 'echo $$ > ${pidFile}; exec sleep 300' & sleep 300`]);
    const escaped = await waitFor(() => {
      try {
        return Number(readFileSync(pidFile, 'utf8')) || undefined;
      } catch {
        return undefined;
      }
    }, 10_000, 'the escaped process');
    const status = await t.json<StatusResult>(['status']);
    const worker = status.workers.find((w) => w.job_id === id)!.pid!;

    // Nobody may react: the worker is frozen before the daemon dies (it would kill its run on losing it).
    process.kill(worker, 'SIGSTOP');
    process.kill(daemon, 'SIGKILL');
    process.kill(worker, 'SIGKILL');
    await waitFor(() => !isAlive(daemon) && !isAlive(worker), 5000, 'the daemon and its worker to die');
    expect(isAlive(escaped)).toBe(true); // left running: only the next start can end it

    await t.start(1);
    await waitFor(() => !isAlive(escaped), 5000, `the escaped process ${escaped} to be killed at start-up`);
    const job = await t.show(id);
    expect(job.state).toBe('dead');
    expect(job.attempt_history.map((a) => a.outcome)).toEqual(['interrupted']);
    expect(t.daemonLog()).toMatch(new RegExp(`killed \\d+ process\\(es\\) left by the interrupted run 1 of job ${id}`));
  });
});
