import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcClient } from '../../protocol/node/client.js';
import { TestHome, startCli, waitFor } from '../helpers/daemon.js';

/**
 * Logs per run (issue 13): every run of a job has its own section of the log with its own log_max_bytes, so
 * a run that filled its cap never silences the next; `logs` prints every run in order, runs after the first
 * under their header; `logs --run N` one run's output; followers go on from run to run; a manual retry keeps
 * what the earlier runs printed. A run that did not complete keeps its last line of output as its summary.
 */

const CAP = 1024;
const NOTE = `\n[queuectl: log truncated at ${CAP} bytes (log_max_bytes); further output discarded]\n`;
const RUN2 = 'second\n\x1b[31mboom: disk full\x1b[0m\n';

/** The log with each run header's start time replaced by "<time>", to compare it whole. */
function timeless(log: string): string {
  return log.replace(/^── queuectl: run (\d+) · \S+ ──$/gm, '── queuectl: run $1 · <time> ──');
}
const header = (n: number) => `\n── queuectl: run ${n} · <time> ──\n`;

describe('logs per run (real daemon, built CLI)', () => {
  let t: TestHome;

  beforeAll(async () => {
    t = new TestHome();
    await t.start(2);
    await t.ok(['config', 'set', 'log_max_bytes', String(CAP)]);
    await t.ok(['config', 'set', 'backoff_factor_ms', '0']);
  });
  afterAll(async () => {
    await t.dispose();
  });

  /**
   * A job whose runs behave by their number (counted in a file): run 1 floods far past the cap and fails,
   * run 2 prints two lines (the last in colour, on stderr) and fails, run 3 prints one line and completes.
   */
  function threeRuns(name: string): string {
    const counter = join(t.home, `${name}.runs`);
    return [
      `n=$(( $(cat '${counter}' 2>/dev/null || echo 0) + 1 )); echo $n > '${counter}'`,
      `case $n in`,
      `1) head -c 200000 /dev/zero | tr '\\0' a; exit 1;;`,
      `2) echo second; printf '\\033[31mboom: disk full\\033[0m\\n' >&2; exit 3;;`,
      `*) echo "run $n";;`,
      `esac`,
    ].join('\n');
  }

  it('a run that filled its cap does not silence the next: each run has its own section, cap and header', async () => {
    const id = await t.ok(['enqueue', '--retries', '2', threeRuns('caps')]);
    const done = await t.until(id, 'completed');
    expect(done.attempt_history.map((a) => a.outcome)).toEqual(['failed', 'failed', 'completed']);

    const all = (await t.cli(['logs', id])).stdout;
    expect(timeless(all)).toBe('a'.repeat(CAP) + NOTE + header(2) + RUN2 + header(3) + 'run 3\n');
    expect((await t.cli(['logs', id, '--run', '1'])).stdout).toBe('a'.repeat(CAP) + NOTE);
    expect((await t.cli(['logs', id, '--run', '2'])).stdout).toBe(RUN2);
    expect((await t.cli(['logs', id, '--run', 'latest'])).stdout).toBe('run 3\n');
    expect((await t.cli(['logs', id, '--run', '2', '--tail', '1'])).stdout).toBe('\x1b[31mboom: disk full\x1b[0m\n');

    const missing = await t.cli(['logs', id, '--run', '4']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`job ${id} has no run 4; its runs are numbered 1 to 3`);
    expect((await t.cli(['logs', id, '--run', '0'])).stderr).toContain('expected a run number (1, 2, ...) or "latest", got "0"');

    // The summaries: the last line of each failed run, colour codes removed; none for the completed run.
    expect(done.attempt_history.map((a) => a.last_line)).toEqual([`${'a'.repeat(199)}…`, 'boom: disk full', null]);
    expect(done.last_line).toBeNull();
    expect(await t.ok(['show', id])).toContain('run 2 last line: boom: disk full');
  });

  it('a manual retry keeps the earlier runs\' output; the next run continues the numbering in its own section', async () => {
    const id = await t.ok(['enqueue', '--retries', '2', threeRuns('manual')]);
    await t.until(id, 'completed');
    const before = (await t.cli(['logs', id])).stdout;
    await t.ok(['retry', id]);
    await waitFor(async () => {
      const job = await t.show(id);
      return job.attempt_history.length === 4 && job.state === 'completed';
    }, 20_000, 'run 4');
    expect(timeless((await t.cli(['logs', id])).stdout)).toBe(timeless(before) + header(4) + 'run 4\n');
    expect((await t.cli(['logs', id, '--run', '2'])).stdout).toBe(RUN2);
    expect((await t.cli(['logs', id, '--run', 'latest'])).stdout).toBe('run 4\n');
  });

  it('a failed run\'s summary is on the job, in show and in stats\' recent failures', async () => {
    const id = await t.ok(['enqueue', '--retries', '0', `echo working; echo 'fatal: not a git repository' >&2; exit 128`]);
    const dead = await t.until(id, 'dead');
    expect(dead.last_line).toBe('fatal: not a git repository');
    expect(dead.attempt_history[0]!.last_line).toBe('fatal: not a git repository');
    expect(await t.ok(['show', id])).toMatch(/last line\s+fatal: not a git repository/);
    const rpc = await RpcClient.connect(t.home, 'run-logs-test');
    try {
      const { recent_failures } = await rpc.call('stats', {});
      expect(recent_failures.find((f) => f.job_id === id)?.last_line).toBe('fatal: not a git repository');
    } finally {
      rpc.close();
    }
  });

  it('enqueue --follow follows every run in order, though run 1 filled its cap; its output is the log', async () => {
    const f = startCli(t, ['enqueue', '--follow', '--retries', '2', threeRuns('follow')]);
    const r = await f.done;
    expect(r.code, r.stderr).toBe(0);
    const id = r.stderr.match(/enqueued (\S+)/)![1]!;
    expect(r.stdout).toBe((await t.cli(['logs', id])).stdout);
    expect(timeless(r.stdout)).toBe('a'.repeat(CAP) + NOTE + header(2) + RUN2 + header(3) + 'run 3\n');
  });
});
