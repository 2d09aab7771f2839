import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastLinesStart } from '../../cli/follow-log.js';
import { runExitCode } from '../../cli/job-exit.js';
import type { WaitJson } from '../../cli/commands/wait.js';
import { CLI, TestHome, startCli, waitFor, type CliResult } from '../helpers/daemon.js';

/** wait, enqueue --wait, logs --follow, enqueue --follow and logs --tail, through the built CLI. */

/** `script` runs the CLI on a terminal (util-linux; skipped without it). */
const hasScript = spawnSync('script', ['--version']).status === 0;

function onTerminal(t: TestHome, args: string[]): Promise<CliResult> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const line = [process.execPath, CLI, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', line, '/dev/null'], { env: t.env({ COLUMNS: '100' }) });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    // On a terminal stdout and stderr are one stream; script passes on the command's exit code (-e).
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: stdout.replace(/\r\n/g, '\n'), stderr: '' }));
    child.stdin.end();
  });
}

describe('wait, enqueue --wait, logs --follow, enqueue --follow, logs --tail', () => {
  const t = new TestHome();
  /** A file the test creates to let a job go on: `until [ -e <file> ]; do sleep 0.05; done`. */
  const gate = (name: string) => join(t.home, `gate-${name}`);
  const waitGate = (name: string) => `until [ -e '${gate(name)}' ]; do sleep 0.05; done`;
  const open = (name: string) => writeFileSync(gate(name), '');
  const enqueue = (...args: string[]) => t.ok(['enqueue', ...args]);

  beforeAll(async () => {
    await t.start(4);
    // A failed job waits a minute for its retry, so "failed" stays put while a test looks at it.
    await t.ok(['config', 'set', 'backoff_factor_ms', '60000']);
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('wait on a job that completes exits 0 and prints how it ended', async () => {
    const id = await enqueue('sleep 0.3');
    const r = await t.cli(['wait', id]);
    expect(r).toMatchObject({ code: 0, stdout: `${id} completed\n`, stderr: '' });
    expect((await t.show(id)).state).toBe('completed');
  });

  it("wait on one job exits with that job's exit code once it is dead (exit 7 with --retries 0 → 7)", async () => {
    const id = await enqueue('sleep 0.2; exit 7', '--retries', '0');
    const r = await t.cli(['wait', id.slice(0, 6)]);
    expect(r.code).toBe(7);
    expect(r.stdout).toBe(`${id} dead (exit 7)\n`);
    expect(r.stderr).toBe('');
    expect((await t.show(id)).state).toBe('dead');
  });

  it('waits through retries: a job that fails, is retried automatically and ends dead is awaited to the end', async () => {
    await t.ok(['config', 'set', 'backoff_factor_ms', '100']);
    try {
      const id = await enqueue('exit 9', '--retries', '2');
      const r = await t.cli(['wait', id]);
      expect(r.code).toBe(9);
      const job = await t.show(id);
      expect(job.state).toBe('dead');
      expect(job.attempt_history).toHaveLength(3);
    } finally {
      await t.ok(['config', 'set', 'backoff_factor_ms', '60000']);
    }
  });

  it('a job killed by a signal exits 128 + N (its own --timeout kills it with SIGTERM: 143)', async () => {
    const id = await enqueue('sleep 30', '--retries', '0', '--timeout', '300ms');
    const r = await t.cli(['wait', id]);
    expect(r.code).toBe(143);
    expect(r.stdout).toMatch(new RegExp(`^${id} dead \\(timed out after 300 ms`));
    expect(runExitCode(null, 'SIGKILL')).toBe(137);
    expect(runExitCode(null, null)).toBe(1);
    expect(runExitCode(0, null)).toBe(1);
  });

  it('wait on several jobs, mixed: a plain line per job as it ends (stdout is not a terminal), exit 1', async () => {
    const ok1 = await enqueue('sleep 0.2');
    const bad = await enqueue('sleep 0.4; exit 3', '--retries', '0');
    const ok2 = await enqueue('sleep 0.6');
    const r = await t.cli(['wait', ok1, bad, ok2]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => l.replace(/ {2}\[.*\]$/, '')).sort()).toEqual([`${ok1} completed`, `${bad} dead (exit 3)`, `${ok2} completed`].sort());
    expect(lines.map((l) => /\[(\d)\/3 done, (\d) failed\]$/.exec(l)?.[1])).toEqual(['1', '2', '3']);
    expect(lines[2]).toMatch(/\[3\/3 done, 1 failed\]$/);
  });

  it('wait on several jobs that all complete exits 0; --json prints the result', async () => {
    const a = await enqueue('true');
    const b = await enqueue('sleep 0.3');
    const r = await t.cli(['wait', a, b, a, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as WaitJson;
    expect(out).toMatchObject({ exit_code: 0, timed_out: false, removed: [], unfinished: [] });
    expect(out.jobs.map((j) => [j.id, j.state])).toEqual([
      [a, 'completed'],
      [b, 'completed'],
    ]);
  });

  it('a job that finished before wait subscribed is answered at once (already completed, already dead)', async () => {
    const done = await enqueue('true');
    const dead = await enqueue('exit 4', '--retries', '0');
    await t.until(done, 'completed');
    await t.until(dead, 'dead');
    const started = Date.now();
    expect(await t.cli(['wait', done])).toMatchObject({ code: 0, stdout: `${done} completed\n` });
    expect(await t.cli(['wait', dead])).toMatchObject({ code: 4, stdout: `${dead} dead (exit 4)\n` });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('jobs that end while wait is starting are never missed (enqueue --wait of instant jobs, many times)', async () => {
    const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => t.cli(['enqueue', '--wait', `exit ${i % 2 === 0 ? 0 : 5}`, '--retries', '0'])));
    runs.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(i % 2 === 0 ? 0 : 5);
      const [id, line] = r.stdout.trimEnd().split('\n');
      expect(line).toBe(i % 2 === 0 ? `${id} completed` : `${id} dead (exit 5)`);
    });
  });

  it('--timeout: exit 124 with the jobs that had not ended on stderr; the jobs go on', async () => {
    const slow = await enqueue(waitGate('timeout'));
    const done = await enqueue('true');
    await t.until(done, 'completed');
    const started = Date.now();
    const r = await t.cli(['wait', slow, done, '--timeout', '700ms']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    expect(r.code).toBe(124);
    expect(r.stdout).toBe(`${done} completed  [1/2 done, 0 failed]\n`);
    expect(r.stderr).toMatch(new RegExp(`^queuectl: timed out after 700ms: 1 of 2 jobs has not ended: ${slow} \\((pending|processing)\\)\\n$`));
    const json = await t.cli(['wait', slow, '--timeout', '200ms', '--json']);
    expect(json.code).toBe(124);
    const out = JSON.parse(json.stdout) as WaitJson;
    expect(out).toMatchObject({ exit_code: 124, timed_out: true, unfinished: [slow] });
    // --timeout 0 just looks.
    expect((await t.cli(['wait', slow, '--timeout', '0'])).code).toBe(124);
    expect((await t.cli(['wait', done, '--timeout', '0'])).code).toBe(0);
    expect((await t.show(slow)).state).toBe('processing');
    open('timeout');
    expect((await t.cli(['wait', slow])).code).toBe(0);
  });

  it('a wait on a canceled job exits 1; a wait ends when the job is canceled meanwhile', async () => {
    const id = await enqueue(waitGate('never'));
    await t.until(id, 'processing');
    const w = startCli(t, ['wait', id]);
    await new Promise((r) => setTimeout(r, 300));
    await t.ok(['cancel', id]);
    const r = await w.done;
    expect(r).toMatchObject({ code: 1, stdout: `${id} canceled\n` });
  });

  it('enqueue --wait prints the id, then waits and exits with the job\'s code; --json prints the wait result', async () => {
    const r = await t.cli(['enqueue', '--wait', '--retries', '0', 'echo out; exit 5']);
    expect(r.code).toBe(5);
    const [id, line, ...rest] = r.stdout.split('\n');
    expect(id).toMatch(/^[a-z0-9]{8}$/);
    expect(line).toBe(`${id} dead (exit 5)`);
    expect(rest).toEqual(['']);
    expect((await t.show(id!)).state).toBe('dead');

    const json = await t.cli(['enqueue', '--wait', '--json', 'true']);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as WaitJson;
    expect(out.exit_code).toBe(0);
    expect(out.jobs).toHaveLength(1);
    expect(out.jobs[0]!.state).toBe('completed');

    const timeout = await t.cli(['enqueue', '--wait', '--wait-timeout', '300ms', waitGate('enqueue-timeout')]);
    expect(timeout.code).toBe(124);
    expect(timeout.stderr).toMatch(/timed out after 300ms/);
    open('enqueue-timeout');
  });

  it('enqueue --stdin --wait waits for every job (150 of them: re-read with list pages after the batch)', async () => {
    const input = Array.from({ length: 150 }, (_, i) => (i === 77 ? 'exit 2' : `echo ${i}`)).join('\n') + '\n';
    const r = await t.cli(['enqueue', '--stdin', '--wait', '--retries', '0'], { input });
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    const ids = lines.slice(0, 150);
    expect(ids.every((id) => /^[a-z0-9]{8}$/.test(id))).toBe(true);
    const ends = lines.slice(150);
    expect(ends).toHaveLength(150);
    expect(ends.at(-1)).toMatch(/\[150\/150 done, 1 failed\]$/);
    expect(ends.filter((l) => l.includes('dead (exit 2)'))).toEqual([expect.stringContaining(ids[77]!)]);
  });

  it('logs --follow streams the output while the job runs and ends with the job, with its exit code', async () => {
    const id = await enqueue('--retries', '0', `echo first; ${waitGate('follow')}; echo second >&2; exit 3`);
    await t.until(id, 'processing');
    const f = startCli(t, ['logs', id, '--follow']);
    // The first line arrives while the job still runs (it waits for the gate).
    await waitFor(() => f.stdout() === 'first\n', 10_000, 'the first line');
    expect((await t.show(id)).state).toBe('processing');
    open('follow');
    const r = await f.done;
    expect(r.stdout).toBe('first\nsecond\n');
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`queuectl: job ${id} dead (exit 3)\n`);
    // Following a finished job prints its log and ends at once.
    expect(await t.cli(['logs', '-f', id])).toMatchObject({ code: 3, stdout: 'first\nsecond\n' });
  });

  it('logs --follow prints the lines in order, across automatic retries, to the end of the last run', async () => {
    await t.ok(['config', 'set', 'backoff_factor_ms', '200']);
    try {
      const id = await enqueue('--retries', '1', '--priority', '-5', 'for i in 1 2 3; do echo "line $i"; sleep 0.1; done; exit 6');
      const r = await t.cli(['logs', id, '-f']);
      expect(r.code).toBe(6);
      const lines = r.stdout.split('\n').filter((l) => l.startsWith('line'));
      expect(lines).toEqual(['line 1', 'line 2', 'line 3', 'line 1', 'line 2', 'line 3']);
    } finally {
      await t.ok(['config', 'set', 'backoff_factor_ms', '60000']);
    }
  });

  it('logs --follow goes on into the run a manual retry starts, under its header, the earlier output kept', async () => {
    const id = await enqueue('--retries', '3', `echo "run $(cat '${gate('runs')}' 2>/dev/null || echo 1)"; exit 1`);
    await t.until(id, 'failed');
    const f = startCli(t, ['logs', id, '--follow']);
    await waitFor(() => f.stdout() === 'run 1\n', 10_000, 'the first run');
    writeFileSync(gate('runs'), '2');
    await t.ok(['retry', id]);
    await waitFor(() => f.stdout().includes('run 2\n'), 10_000, 'the second run');
    expect(f.stderr()).toBe('');
    expect(f.stdout()).toMatch(/^run 1\n\n── queuectl: run 2 · \S+ ──\nrun 2\n$/);
    await t.ok(['cancel', id]);
    const r = await f.done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/queuectl: job \S+ canceled\n$/);
  });

  it('enqueue --follow enqueues and streams, the id on stderr, and exits with the job\'s code', async () => {
    const r = await t.cli(['enqueue', '--follow', '--retries', '0', 'echo to-out; echo to-err >&2; exit 4']);
    expect(r.stdout).toBe('to-out\nto-err\n');
    expect(r.code).toBe(4);
    const id = /^enqueued (\S+)\n/.exec(r.stderr)?.[1];
    expect(id).toBeDefined();
    expect((await t.show(id!)).state).toBe('dead');
    expect(await t.cli(['enqueue', '--follow', 'printf "héllo wörld ✓"'])).toMatchObject({ code: 0, stdout: 'héllo wörld ✓' });
  });

  it('logs --tail N prints the last N lines (a last line without a newline counts), also with long and multi-byte lines', async () => {
    const hundred = await enqueue('for i in $(seq 1 100); do echo "line $i"; done');
    const partial = await enqueue(`printf 'a\\nb\\nc'`);
    // 40 lines of 3,000 characters: the read from the end has to grow several times.
    const long = await enqueue(`for i in $(seq 1 40); do printf "%s $i é\\n" "$(printf 'x%.0s' $(seq 1 3000))"; done`);
    for (const id of [hundred, partial, long]) await t.until(id, 'completed');
    expect(await t.cli(['logs', hundred, '--tail', '3'])).toMatchObject({ code: 0, stdout: 'line 98\nline 99\nline 100\n', stderr: '' });
    expect((await t.cli(['logs', hundred, '-n', '1000'])).stdout).toBe(Array.from({ length: 100 }, (_, i) => `line ${i + 1}\n`).join(''));
    expect((await t.cli(['logs', hundred, '--tail', '0'])).stdout).toBe('');
    expect((await t.cli(['logs', partial, '--tail', '2'])).stdout).toBe('b\nc');
    expect((await t.cli(['logs', partial, '--tail', '1'])).stdout).toBe('c');
    const tail = (await t.cli(['logs', long, '--tail', '5'])).stdout.split('\n');
    expect(tail.slice(0, 5).map((l) => l.slice(3000))).toEqual([' 36 é', ' 37 é', ' 38 é', ' 39 é', ' 40 é']);
    expect(tail[0]).toBe('x'.repeat(3000) + ' 36 é');
    expect(tail[5]).toBe('');
  });

  it('the tail is found in any text: lastLinesStart', () => {
    expect(lastLinesStart('a\nb\nc\n', 2, true)).toBe(2);
    expect(lastLinesStart('a\nb\nc\n', 5, true)).toBe(0);
    expect(lastLinesStart('a\nb\nc\n', 5, false)).toBe(-1);
    expect(lastLinesStart('xa\nb\nc', 2, false)).toBe(3);
    expect(lastLinesStart('\n\n', 2, false)).toBe(-1);
    expect(lastLinesStart('\n\n', 2, true)).toBe(0);
    expect(lastLinesStart('', 1, true)).toBe(0);
  });

  it('logs --tail N --follow prints the last N lines, then follows', async () => {
    const id = await enqueue(`for i in 1 2 3 4 5; do echo "old $i"; done; ${waitGate('tail-follow')}; echo new`);
    await waitFor(async () => (await t.cli(['logs', id])).stdout.includes('old 5'), 10_000, 'the first lines');
    const f = startCli(t, ['logs', id, '--tail', '2', '--follow']);
    await waitFor(() => f.stdout() === 'old 4\nold 5\n', 10_000, 'the tail');
    open('tail-follow');
    const r = await f.done;
    expect(r).toMatchObject({ code: 0, stdout: 'old 4\nold 5\nnew\n', stderr: '' });
  });

  it('logs --follow piped into head ends quietly when head exits (EPIPE)', async () => {
    const id = await enqueue(`i=0; while [ $i -lt 300 ]; do echo "tick $i"; i=$((i+1)); sleep 0.02; done`);
    await t.until(id, 'processing');
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" logs -f ${id} | head -n 2; echo "status \${PIPESTATUS[0]}" >&2`], {
      env: t.env(),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.stdout).toBe('tick 0\ntick 1\n');
    expect(r.stderr).toBe('status 0\n');
    expect((await t.show(id)).state).toBe('processing');
    await t.ok(['cancel', id]);
  });

  it('Ctrl-C ends wait and logs --follow with exit 130, and leaves the job alone', async () => {
    const id = await enqueue(waitGate('ctrl-c'));
    await t.until(id, 'processing');
    for (const args of [['wait', id], ['logs', '--follow', id]]) {
      const run = startCli(t, args);
      await new Promise((r) => setTimeout(r, 1000));
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.code, args.join(' ')).toBe(130);
      expect(r.stdout).toBe('');
    }
    expect((await t.show(id)).state).toBe('processing');
    open('ctrl-c');
  });

  it.skipIf(!hasScript)('on a terminal, wait on several jobs draws a progress bar, prints failures above it and a summary at the end', async () => {
    const ids = [await enqueue('sleep 0.3'), await enqueue('sleep 0.6; exit 2', '--retries', '0'), await enqueue('sleep 0.9')];
    const r = await onTerminal(t, ['wait', ...ids]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\r\x1b\[2K\[[█░]+\] \d\/3 done, \d failed, \d running/);
    expect(r.stdout).toContain(`${ids[1]} dead (exit 2)\n`);
    expect(r.stdout).toMatch(/(\n|\r\x1b\[2K)3 jobs: 2 completed, 1 dead\n$/);
    // One job: its end on one line, the waiting line erased.
    const one = await onTerminal(t, ['wait', ids[0]!]);
    expect(one).toMatchObject({ code: 0, stdout: `${ids[0]} completed\n` });
  });
});

describe('a daemon that stops during a wait or a follow', () => {
  const t = new TestHome();
  beforeAll(async () => {
    await t.start(1);
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('wait and logs --follow say so and exit 3', async () => {
    const id = await t.ok(['enqueue', 'echo started; sleep 30']);
    await t.until(id, 'processing');
    const w = startCli(t, ['wait', id]);
    const f = startCli(t, ['logs', id, '--follow']);
    await waitFor(() => f.stdout() === 'started\n', 10_000, 'the follow to start');
    await t.cli(['worker', 'stop', '--timeout', '1s']);
    const [rw, rf] = await Promise.all([w.done, f.done]);
    expect(rw.code).toBe(3);
    expect(rw.stderr).toBe('queuectl: error: the daemon stopped during the wait; 1 of 1 job had not ended (unfinished jobs go on when it starts again)\n');
    expect(rf.code).toBe(3);
    expect(rf.stderr).toBe(`queuectl: error: the daemon stopped while following the log of job ${id}\n`);
  });
});
