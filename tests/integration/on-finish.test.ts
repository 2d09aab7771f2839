import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { hasProcess, TestHome, uniqueSleep, waitFor } from '../helpers/daemon.js';

/**
 * The completion hook (`on_finish`) against a real daemon through the built CLI: the environment it gets
 * for completed, failed, dead and canceled jobs; job data never reaching a shell as code; failures logged
 * once and never retried; hanging hooks never holding up the queue; timeouts; clearing the setting.
 */

/** What the recording hook saw: its QUEUECTL_* variables, its working directory, what its stdin held. */
interface Seen {
  env: Record<string, string>;
  cwd: string;
  stdin: string;
  /** For a canceled job: whether the job's command was still running when the hook ran. */
  jobStillRunning: boolean | null;
}

/** A hook (the user's own script) that records what it was given in <home>/seen/<job id>.<state>.json. */
const RECORDER = `
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const e = process.env;
const env = Object.fromEntries(Object.entries(e).filter(([k]) => k.startsWith('QUEUECTL_')));
const jobStillRunning = e.QUEUECTL_STATE === 'canceled' ? spawnSync('pgrep', ['-x', '-f', e.QUEUECTL_COMMAND]).status === 0 : null;
const file = path.join(e.QUEUECTL_HOME, 'seen', e.QUEUECTL_JOB_ID + '.' + e.QUEUECTL_STATE + '.json');
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file + '.tmp', JSON.stringify({ env, cwd: process.cwd(), stdin: fs.readFileSync(0, 'utf8'), jobStillRunning }));
fs.renameSync(file + '.tmp', file);
console.log('recorded ' + e.QUEUECTL_JOB_ID + ' ' + e.QUEUECTL_STATE);
`;

const idOf = async (t: TestHome, args: string[]): Promise<string> => (await t.json<Job>(['enqueue', ...args])).id;

function seen(t: TestHome, id: string, state: string): Promise<Seen> {
  const file = join(t.home, 'seen', `${id}.${state}.json`);
  return waitFor(() => existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as Seen), 20_000, `the hook for ${id} (${state})`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('on_finish: the completion hook', () => {
  const t = new TestHome();
  let recorder: string;

  beforeAll(async () => {
    await t.start(2);
    await t.ok(['config', 'set', 'backoff_factor_ms', '0']);
    writeFileSync(join(t.home, 'recorder.cjs'), RECORDER);
    // The user's command may use shell variables freely: the job only ever arrives in the environment.
    recorder = `"${process.execPath}" "$QUEUECTL_HOME/recorder.cjs"`;
  });
  afterAll(() => t.dispose());

  it('is a text setting: set, get, list for people and --json, cleared with ""; bad values refused', async () => {
    expect(await t.ok(['config', 'set', 'on_finish', 'notify-send done'])).toBe('on_finish = "notify-send done"');
    expect(await t.ok(['config', 'get', 'on-finish'])).toBe('notify-send done');
    expect((await t.json<Record<string, unknown>>(['config', 'list'])).on_finish).toBe('notify-send done');
    const entry = await t.json<{ key: string; type: string; value: string; maxLength: number }>(['config', 'get', 'on_finish']);
    expect(entry).toMatchObject({ key: 'on_finish', type: 'string', value: 'notify-send done', maxLength: 4096 });
    const table = await t.ok(['config', 'list']);
    expect(table).toMatch(/on_finish\s+"notify-send done"\s+""\s+text ≤ 4096/);
    expect(table).toMatch(/on_finish_timeout_ms\s+60000\s+60000\s+100\.\.86400000/);

    expect(await t.ok(['config', 'set', 'on_finish', ''])).toBe('on_finish = ""');
    expect(await t.ok(['config', 'get', 'on_finish'])).toBe('');
    expect((await t.json<Record<string, unknown>>(['config', 'list'])).on_finish).toBe('');

    const tooLong = await t.cli(['config', 'set', 'on_finish', 'x'.repeat(4097)]);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/on_finish must be at most 4096 characters, got 4097/);
    const notNumber = await t.cli(['config', 'set', 'on_finish_timeout_ms', 'soon']);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toMatch(/on_finish_timeout_ms must be a whole number/);
    expect(await t.ok(['config', 'get', 'on_finish'])).toBe('');
  });

  it('a completed job: id, state, exit code, command, log path, attempt and name in the environment; stdin empty; cwd the home', async () => {
    await t.ok(['config', 'set', 'on_finish', recorder]);
    const id = await idOf(t, ['--name', 'nightly report', 'echo hello']);
    const s = await seen(t, id, 'completed');
    const job = await t.show(id);
    expect(s.env).toEqual({
      QUEUECTL_HOME: t.home,
      QUEUECTL_JOB_ID: id,
      QUEUECTL_STATE: 'completed',
      QUEUECTL_EXIT_CODE: '0',
      QUEUECTL_COMMAND: 'echo hello',
      QUEUECTL_LOG_PATH: job.log_path,
      QUEUECTL_ATTEMPT: '1',
      QUEUECTL_NAME: 'nightly report',
    });
    expect(s.cwd).toBe(t.home);
    expect(s.stdin).toBe('');
    // The hook's output goes to its own log, headed per run; none of it is in the job's log.
    const hookLog = await waitFor(() => {
      const text = readFileSync(join(t.home, 'on_finish.log'), 'utf8');
      return text.includes(`recorded ${id} completed`) && text;
    });
    expect(hookLog).toContain(`── on_finish · job ${id} · completed · `);
    expect(readFileSync(job.log_path, 'utf8')).toBe('hello\n');
  });

  it('a failing job: once as failed (a retry follows), once as dead, each with the run number and exit code', async () => {
    const id = await idOf(t, ['--retries', '1', 'exit 7']);
    const failed = await seen(t, id, 'failed');
    const dead = await seen(t, id, 'dead');
    expect(failed.env).toMatchObject({ QUEUECTL_STATE: 'failed', QUEUECTL_EXIT_CODE: '7', QUEUECTL_ATTEMPT: '1', QUEUECTL_COMMAND: 'exit 7' });
    expect(dead.env).toMatchObject({ QUEUECTL_STATE: 'dead', QUEUECTL_EXIT_CODE: '7', QUEUECTL_ATTEMPT: '2' });
    expect(failed.env.QUEUECTL_NAME).toBeUndefined();
  });

  it('a dead job with --retries 0', async () => {
    const id = await idOf(t, ['--retries', '0', 'exit 9']);
    const s = await seen(t, id, 'dead');
    expect(s.env).toMatchObject({ QUEUECTL_JOB_ID: id, QUEUECTL_STATE: 'dead', QUEUECTL_EXIT_CODE: '9', QUEUECTL_ATTEMPT: '1' });
    expect(existsSync(join(t.home, 'seen', `${id}.failed.json`))).toBe(false);
  });

  it('a canceled running job: the hook runs once its processes are gone, with no exit code', async () => {
    const command = uniqueSleep(600);
    const id = await idOf(t, [command]);
    await t.until(id, 'processing');
    await waitFor(() => hasProcess(command));
    await t.ok(['cancel', id]);
    const s = await seen(t, id, 'canceled');
    expect(s.env).toMatchObject({ QUEUECTL_STATE: 'canceled', QUEUECTL_EXIT_CODE: '', QUEUECTL_ATTEMPT: '1', QUEUECTL_COMMAND: command });
    expect(s.jobStillRunning).toBe(false);
  });

  it('a job canceled before it ever ran: no attempt, no exit code', async () => {
    await t.ok(['pause']);
    try {
      const id = await idOf(t, ['true']);
      await t.ok(['cancel', id]);
      const s = await seen(t, id, 'canceled');
      expect(s.env).toMatchObject({ QUEUECTL_STATE: 'canceled', QUEUECTL_EXIT_CODE: '', QUEUECTL_ATTEMPT: '', QUEUECTL_COMMAND: 'true' });
    } finally {
      await t.ok(['resume']);
    }
  });

  it('job data is passed verbatim in the environment and never run: $(…), backticks, quotes, newlines', async () => {
    const marker = join(t.home, 'pwned');
    const command = `echo '$(touch ${marker}) \`touch ${marker}\` "double" ; touch ${marker}'\n# it's "quoted"`;
    const name = `$(touch ${marker})'"\``;
    // A hook that uses the variables the way a careful user would: quoted, as data.
    await t.ok(['config', 'set', 'on_finish', `printf '%s' "$QUEUECTL_COMMAND" > "$QUEUECTL_HOME/cmd-$QUEUECTL_JOB_ID"; printf '%s' "$QUEUECTL_NAME" > "$QUEUECTL_HOME/name-$QUEUECTL_JOB_ID"`]);
    const id = (await t.json<Job>(['enqueue', JSON.stringify({ command, name })])).id;
    await t.until(id, 'completed');
    const cmdFile = join(t.home, `cmd-${id}`);
    const nameFile = join(t.home, `name-${id}`);
    await waitFor(() => existsSync(cmdFile) && existsSync(nameFile) && statSync(nameFile).size > 0);
    expect(readFileSync(cmdFile, 'utf8')).toBe(command);
    expect(readFileSync(nameFile, 'utf8')).toBe(name);
    // The job itself printed the text; nothing anywhere ran it.
    expect(readFileSync((await t.show(id)).log_path, 'utf8')).toContain(`$(touch ${marker})`);
    await sleep(300);
    expect(existsSync(marker)).toBe(false);
  });

  it('a failing hook is logged once per failure with the job id, never retried, and never holds up the queue', async () => {
    await t.ok(['config', 'set', 'on_finish', 'echo failing-hook-output; exit 3']);
    const input = `true\ntrue\n${JSON.stringify({ command: 'exit 1', max_retries: 0 })}\n`;
    const ids = (await t.ok(['enqueue', '--stdin'], { input })).split('\n');
    expect(ids).toHaveLength(3);
    const log = await waitFor(() => {
      const text = t.daemonLog();
      return ids.every((id) => text.includes(`on_finish hook for job ${id} `)) && text;
    });
    await sleep(1500);
    const later = t.daemonLog();
    for (const id of ids) {
      expect(count(later, `on_finish hook for job ${id} `), id).toBe(1);
    }
    expect(log).toContain(`on_finish hook for job ${ids[0]} (completed) exited with code 3; not retried (output in ${join(t.home, 'on_finish.log')})`);
    expect(later).toContain(`on_finish hook for job ${ids[2]} (dead) exited with code 3; not retried`);
    for (const id of ids.slice(0, 2)) expect((await t.show(id)).state).toBe('completed');
    expect(readFileSync(join(t.home, 'on_finish.log'), 'utf8')).toContain('failing-hook-output');

    // A command that is not there fails the same way (the shell says 127), once.
    await t.ok(['config', 'set', 'on_finish', '/nonexistent/queuectl-hook']);
    const id = await idOf(t, ['true']);
    await waitFor(() => t.daemonLog().includes(`on_finish hook for job ${id} (completed) exited with code 127`));
  });

  it('clearing on_finish stops the hook', async () => {
    await t.ok(['config', 'set', 'on_finish', recorder]);
    const before = await idOf(t, ['true']);
    await seen(t, before, 'completed');
    await t.ok(['config', 'set', 'on_finish', '']);
    const id = await idOf(t, ['true']);
    await t.until(id, 'completed');
    await sleep(1000);
    expect(existsSync(join(t.home, 'seen', `${id}.completed.json`))).toBe(false);
    expect(t.daemonLog()).not.toContain(`on_finish hook for job ${id}`);
  });

  it('the hook log is capped; once full, the next run moves it to on_finish.log.1 and starts afresh', async () => {
    const cap = 1024 ** 2;
    const logPath = join(t.home, 'on_finish.log');
    await t.ok(['config', 'set', 'on_finish', `head -c 3000000 /dev/zero | tr '\\0' x; touch "$QUEUECTL_HOME/big-$QUEUECTL_JOB_ID"`]);
    const big = await idOf(t, ['true']);
    await waitFor(() => existsSync(join(t.home, `big-${big}`)));
    await sleep(500); // the cap is enforced every 250 ms and when the hook ends
    expect(statSync(logPath).size).toBeLessThanOrEqual(cap + 200);
    expect(readFileSync(logPath, 'utf8')).toContain('[queuectl: log truncated at 1048576 bytes (the on_finish log cap); further output discarded]');

    await t.ok(['config', 'set', 'on_finish', 'echo small-$QUEUECTL_JOB_ID']);
    const small = await idOf(t, ['true']);
    await waitFor(() => existsSync(logPath) && readFileSync(logPath, 'utf8').includes(`small-${small}`));
    expect(statSync(logPath).size).toBeLessThan(1000);
    expect(statSync(`${logPath}.1`).size).toBeLessThanOrEqual(cap + 200);
    await t.ok(['config', 'set', 'on_finish', '']);
  });

  it('a run interrupted by a daemon crash ends as failed at the next start, and the hook hears of it', async () => {
    await t.ok(['config', 'set', 'on_finish', recorder]);
    const command = uniqueSleep(600);
    const id = await idOf(t, ['--retries', '3', command]);
    await t.until(id, 'processing');
    const pid = Number(readFileSync(join(t.home, 'daemon.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !hasProcess(command), 10_000, 'the orphaned job to go');
    await t.start(2);
    const s = await seen(t, id, 'failed');
    expect(s.env).toMatchObject({ QUEUECTL_STATE: 'failed', QUEUECTL_EXIT_CODE: '', QUEUECTL_ATTEMPT: '1' });
    await t.ok(['cancel', id]);
    await t.ok(['config', 'set', 'on_finish', '']);
  });
});

describe('on_finish: hooks that hang', () => {
  const t = new TestHome();
  beforeAll(() => t.start(2));
  afterAll(() => t.dispose());

  /** Hook processes running `sleep <needle>` (the shell that ran them, if any, is not counted). */
  const hooksRunning = (needle: string): number => {
    const r = spawnSync('pgrep', ['-c', '-x', '-f', needle.replace(/\./g, '\\.')], { encoding: 'utf8' });
    return Number(r.stdout.trim() || 0);
  };

  it('20 jobs complete promptly while every hook hangs; at most 4 hooks run; a graceful stop ends them', async () => {
    const hang = uniqueSleep(600);
    await t.ok(['config', 'set', 'on_finish', hang]);
    const started = Date.now();
    const ids = (await t.ok(['enqueue', '--stdin'], { input: 'true\n'.repeat(20) })).split('\n');
    expect(ids).toHaveLength(20);
    await waitFor(async () => {
      const jobs = await t.json<Job[]>(['list', '--state', 'completed', '--limit', '100']);
      return ids.every((id) => jobs.some((j) => j.id === id));
    }, 20_000, 'all 20 jobs to complete');
    expect(Date.now() - started).toBeLessThan(15_000);
    await waitFor(() => hooksRunning(hang) === 4, 10_000, '4 hooks to be running');
    await sleep(500);
    expect(hooksRunning(hang)).toBe(4);

    // Still nothing waits on them.
    const one = await idOf(t, ['true']);
    await t.until(one, 'completed', 5000);

    await t.stop();
    expect(hasProcess(hang)).toBe(false);
    const log = t.daemonLog();
    expect(log).toMatch(/on_finish: 17 hook run\(s\) not started: the daemon is stopping/);
    expect(log).toMatch(/on_finish: killing 4 hook\(s\) still running after 3\.00s/);
    expect(log).not.toMatch(/on_finish hook for job .* was killed/);
  });

  it('a hook that outlives on_finish_timeout_ms is killed with its process group and logged once', async () => {
    await t.start(2);
    const hang = uniqueSleep(600);
    await t.ok(['config', 'set', 'on_finish_timeout_ms', '300']);
    await t.ok(['config', 'set', 'on_finish', `${hang} & ${hang}`]);
    const id = await idOf(t, ['true']);
    await t.until(id, 'completed');
    await waitFor(() => t.daemonLog().includes(`on_finish hook for job ${id} (completed) timed out after`), 10_000, 'the timeout to be logged');
    await waitFor(() => !hasProcess(hang), 5000, 'the hook and its background child to be killed');
    await sleep(500);
    expect(count(t.daemonLog(), `on_finish hook for job ${id} `)).toBe(1);
  });
});
