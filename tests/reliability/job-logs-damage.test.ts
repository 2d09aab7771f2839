import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusResult } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { TestHome, isAlive, waitFor } from '../helpers/daemon.js';

/**
 * Job logs survive what happens to the files under them (docs/reliability.md): logs of jobs that are gone
 * (a crash between a clean's commit and its unlinks) are deleted at start-up and never inherited by a new
 * job with the same id; a deleted logs/ is made again instead of failing every later run; `logs` of a job
 * whose log file vanished says so.
 */
describe('orphan logs after a crash during clean', () => {
  const t = new TestHome();
  afterAll(() => t.dispose());

  it('logs whose jobs are gone are deleted at start-up; a reused id starts with an empty log', async () => {
    // What kill -9 between clean's commit and its unlinks leaves: log files with no job. Made by hand here,
    // since the crash window is microseconds wide; the start-up sweep does not care how they came.
    mkdirSync(join(t.home, 'logs'), { recursive: true, mode: 0o700 });
    for (let i = 0; i < 1500; i++) writeFileSync(join(t.home, 'logs', `gone-${i}.log`), `old run ${i}\n`);
    writeFileSync(join(t.home, 'logs', 'reused.log'), 'OLD RUN OUTPUT\n');
    writeFileSync(join(t.home, 'logs', 'not-a-log.txt'), 'left alone');
    await t.start(1);
    await t.ok(['enqueue', JSON.stringify({ id: 'reused', command: 'echo new run' })]);
    await t.until('reused', 'completed');
    expect(await t.ok(['logs', 'reused'])).toBe('new run');
    await waitFor(() => readdirSync(join(t.home, 'logs')).length === 2, 10_000, 'the orphans to be deleted');
    expect(readdirSync(join(t.home, 'logs')).sort()).toEqual(['not-a-log.txt', 'reused.log']);
    expect(t.daemonLog()).toMatch(/deleting 1501 log file\(s\) whose jobs no longer exist/);
  });
});

describe('kill -9 of the daemon during clean', () => {
  const t = new TestHome();
  afterAll(() => t.dispose());

  it('3,000 cleaned, the daemon killed mid-way: after the restart every log left has its job', async () => {
    const pid = await t.start(1);
    const rpc = await RpcClient.connect(t.home);
    const N = 3000;
    try {
      // 3,000 finished jobs with logs, quickly: stored paused, canceled, a log written for each.
      await rpc.call('queue.pause', {});
      const { ids } = await rpc.call('enqueue.batch', { jobs: Array.from({ length: N }, () => ({ command: 'true' })) });
      await Promise.all(ids.map((id) => rpc.call('cancel', { id })));
      for (const id of ids) writeFileSync(join(t.home, 'logs', `${id}.log`), `output of ${id}\n`);
    } finally {
      rpc.close();
    }
    const logCount = (): number => readdirSync(join(t.home, 'logs')).length;
    const cleaning = t.cli(['clean', '--yes']);
    // Polled as fast as readdir goes, so the kill lands while a batch's logs are being unlinked (its jobs
    // already committed as deleted): the crash window. How many orphans it left is printed below.
    const deadline = Date.now() + 30_000;
    while (logCount() >= N && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    process.kill(pid, 'SIGKILL');
    await cleaning;
    await waitFor(() => !isAlive(pid), 5000, 'the daemon to die');
    const jobsLeft = async (): Promise<number> => (await t.json<StatusResult>(['status'])).counts.canceled;
    const logsAtCrash = logCount();
    await t.start(1);
    const left = await jobsLeft();
    console.log(`kill -9 during clean: ${N - left} jobs deleted, ${left} left, ${logsAtCrash} log files at the crash (${Math.max(0, logsAtCrash - left)} orphans)`);
    await waitFor(() => logCount() === left, 10_000, `the logs to match the ${left} jobs left`);
    await t.ok(['resume']);
  });
});

describe('logs/ deleted while the daemon runs', () => {
  const t = new TestHome();
  beforeAll(async () => {
    await t.start(2);
  });
  afterAll(() => t.dispose());

  it('later jobs still run and keep their output (the directory is made again, 0700); none goes to the DLQ', async () => {
    const first = await t.ok(['enqueue', 'echo first']);
    await t.until(first, 'completed');
    rmSync(join(t.home, 'logs'), { recursive: true });
    const ids = (await t.ok(['enqueue', '--stdin', '--retries', '0'], { input: Array.from({ length: 10 }, (_, i) => `echo out ${i}`).join('\n') })).split('\n');
    for (const [i, id] of ids.entries()) {
      await t.until(id, 'completed');
      expect(await t.ok(['logs', id])).toBe(`out ${i}`);
    }
    expect(existsSync(join(t.home, 'logs'))).toBe(true);
    expect(t.daemonLog()).toMatch(/the logs directory \S+ was missing; made it again/);
  });

  it('`logs` of a job whose log file is gone says so and exits 1; a job that printed nothing exits 0 silently', async () => {
    const loud = await t.ok(['enqueue', 'echo something']);
    const quiet = await t.ok(['enqueue', 'true']);
    await t.until(loud, 'completed');
    await t.until(quiet, 'completed');
    rmSync(join(t.home, 'logs', `${loud}.log`));
    const r = await t.cli(['logs', loud]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`the log of job ${loud} .* is missing`));
    const q = await t.cli(['logs', quiet]);
    expect(q).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
