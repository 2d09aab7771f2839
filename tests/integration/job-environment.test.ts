import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, Schedule } from '../../protocol/index.js';
import { RpcClient } from '../../protocol/node/client.js';
import { CLI, TestHome, collect, waitFor, type CliResult } from '../helpers/daemon.js';
import { expectInvalidArgument } from '../helpers/rpc.js';
import { WebSession } from '../helpers/web.js';

/**
 * Issue 13, environment and umask: the daemon is started from a bare environment (as `env -i` would), so
 * whatever a job sees beyond it came from the shell that enqueued it.
 */
describe('a job runs with the environment and umask of the shell that enqueued it (real daemon started from env -i)', () => {
  const t = new TestHome();
  const bin = mkdtempSync(join(tmpdir(), 'qctl-bin-'));
  const work = mkdtempSync(join(tmpdir(), 'qctl-work-'));
  const home = process.env.HOME ?? t.home;
  /** Everything the daemon has: no MYVAR, no custom PATH entry. */
  const daemonEnv = { PATH: '/usr/bin:/bin', HOME: home, QUEUECTL_HOME: t.home };
  /** The enqueuing shell: its own bin directory on PATH, and variables of its own. */
  const shell = { PATH: `${bin}:/usr/bin:/bin`, HOME: home, QUEUECTL_HOME: t.home, NO_COLOR: '1', MYVAR: 'hello', SECRET: 's3cret-value' };
  const MINIMAL_PATH = '/usr/local/bin:/usr/bin:/bin';
  let daemonPid: number;
  let rpc: RpcClient;

  /** The built CLI with exactly `env` (nothing inherited), under `umask`, as a shell with that mask runs it. */
  const run = (args: string[], options: { env?: Record<string, string>; umask?: string; input?: string } = {}): Promise<CliResult> =>
    collect('/bin/sh', ['-c', `umask ${options.umask ?? '022'} && exec "$@"`, 'sh', process.execPath, CLI, ...args], { env: options.env ?? shell, cwd: work, input: options.input });
  /** `enqueue --follow`: the job's output on stdout, its id from stderr ("enqueued <id>"). */
  const follow = async (args: string[], options: { env?: Record<string, string>; umask?: string } = {}) => {
    const r = await run(['enqueue', '--follow', ...args], options);
    expect(r.code, r.stderr).toBe(0);
    return { output: r.stdout, id: /enqueued (\S+)/.exec(r.stderr)![1]! };
  };

  beforeAll(async () => {
    writeFileSync(join(bin, 'mytool'), '#!/bin/sh\necho mytool ran\n');
    chmodSync(join(bin, 'mytool'), 0o755);
    const started = await run(['worker', 'start', '--detach', '--count', '2', '--json'], { env: daemonEnv });
    expect(started.code, started.stderr).toBe(0);
    daemonPid = (JSON.parse(started.stdout) as { pid: number }).pid;
    rpc = await RpcClient.connect(t.home, 'env-test');
  });
  afterAll(async () => {
    rpc?.close();
    await t.dispose();
    rmSync(bin, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('PATH and a custom variable reach the job; it runs with the umask 022 of the shell, its files 0644, though the daemon has 077', async () => {
    expect(readFileSync(`/proc/${daemonPid}/status`, 'utf8')).toMatch(/^Umask:\s+0077$/m);
    const { output, id } = await follow(['mytool; echo "MYVAR=$MYVAR"; umask; touch made-022; stat -c %a made-022']);
    expect(output).toBe('mytool ran\nMYVAR=hello\n0022\n644\n');
    // Another shell's umask is that shell's.
    expect((await follow(['umask; touch made-027; stat -c %a made-027'], { umask: '027' })).output).toBe('0027\n640\n');

    // show --json has the environment whole; the human show only the names (values may be secrets).
    const shown = await t.show(id);
    expect(shown.env).toMatchObject({ PATH: shell.PATH, MYVAR: 'hello', SECRET: 's3cret-value' });
    expect(Object.keys(shown.env!).filter((name) => name.startsWith('QUEUECTL_') && name !== 'QUEUECTL_HOME')).toEqual([]);
    expect(shown.umask).toBe('0022');
    const human = await t.ok(['show', id]);
    expect(human).toMatch(/^env {9}\d+ variables \(values: show --json\)\n {12}.*\bSECRET\b/m);
    expect(human).toMatch(/^umask {7}0022$/m);
    expect(human).not.toContain('s3cret-value');
    // Lists stay light: no environment in them.
    const listed = await t.json<Job[]>(['list', '--limit', '1']);
    expect(listed[0]).not.toHaveProperty('env');
  });

  it('--env adds and overrides; --no-env runs with the minimal environment (--env adds to it, in any order)', async () => {
    const over = await follow(['echo "MYVAR=$MYVAR EXTRA=$EXTRA"', '--env', 'MYVAR=over', '--env', 'EXTRA=1']);
    expect(over.output).toBe('MYVAR=over EXTRA=1\n');

    const script = 'echo "PATH=$PATH"; echo "MYVAR=[$MYVAR] EXTRA=$EXTRA SHELL=$SHELL"; echo "id=$QUEUECTL_JOB_ID"; command -v mytool || echo no mytool';
    const bare = await follow([script, '--env', 'EXTRA=2', '--no-env']);
    expect(bare.output).toBe(`PATH=${MINIMAL_PATH}\nMYVAR=[] EXTRA=2 SHELL=/bin/sh\nid=${bare.id}\nno mytool\n`);
    expect(Object.keys((await t.show(bare.id)).env!).sort()).toEqual(['EXTRA', 'HOME', 'LOGNAME', 'PATH', 'SHELL', 'USER']);
  });

  it('a JSON spec\'s "env" is the minimal environment plus its variables; --stdin sends the shell\'s once per batch', async () => {
    const spec = JSON.stringify({ command: 'echo "MYVAR=$MYVAR PATH=$PATH"; umask', env: { MYVAR: 'from-spec' }, umask: '0002' });
    expect((await follow([spec])).output).toBe(`MYVAR=from-spec PATH=${MINIMAL_PATH}\n0002\n`);

    const input = ['echo "one $MYVAR"', 'mytool', JSON.stringify({ command: 'echo "three [$MYVAR]"', env: {} })].join('\n');
    const r = await run(['enqueue', '--stdin', '--json'], { input });
    expect(r.code, r.stderr).toBe(0);
    const ids = JSON.parse(r.stdout) as string[];
    await Promise.all(ids.map((id) => t.until(id, 'completed')));
    const logs = await Promise.all(ids.map((id) => t.ok(['logs', id])));
    expect(logs).toEqual(['one hello', 'mytool ran', 'three []']);
    const [first, second] = await Promise.all(ids.slice(0, 2).map((id) => t.show(id)));
    expect(first!.env).toEqual(second!.env);
    expect(first!.env).toMatchObject({ MYVAR: 'hello' });
  });

  it("a schedule's jobs get the environment and umask of `schedule add`", async () => {
    const added = await run(['schedule', 'add', '* * * * * *', 'mytool; echo "MYVAR=$MYVAR"; umask', '--json'], { umask: '027' });
    expect(added.code, added.stderr).toBe(0);
    const { schedule } = JSON.parse(added.stdout) as { schedule: Schedule };
    expect(schedule).toMatchObject({ umask: '0027', has_env: true });
    const jobId = await waitFor(
      async () => (await t.json<{ schedules: Schedule[] }>(['schedule', 'list'])).schedules.find((s) => s.id === schedule.id)?.last_job_id ?? undefined,
      10_000,
      'the schedule to fire',
    );
    await t.ok(['schedule', 'remove', schedule.id]);
    await t.until(jobId, 'completed');
    expect(await t.ok(['logs', jobId])).toBe('mytool ran\nMYVAR=hello\n0027');
  });

  it("the dashboard's enqueue (no env, no umask) runs with the daemon's environment and umask 022", async () => {
    const web = await WebSession.open(await t.ok(['ui', '--web']));
    const command = 'echo "PATH=$PATH MYVAR=[$MYVAR]"; umask; touch made-web; stat -c %a made-web';
    const { job } = await web.call<{ job: Job }>('enqueue', { job: { command, cwd: work } });
    expect(job.umask).toBe('0022');
    await t.until(job.id, 'completed');
    expect(await t.ok(['logs', job.id])).toBe('PATH=/usr/bin:/bin MYVAR=[]\n0022\n644');
    expect((await t.show(job.id)).env).toBeNull();
    expect(await t.ok(['show', job.id])).toMatch(/^env {9}the queue's own/m);
  });

  it('bad --env and an oversized environment are refused with exit 2 and what to do, by the CLI and the daemon', async () => {
    const noEquals = await run(['enqueue', 'true', '--env', 'MYVAR']);
    expect(noEquals).toMatchObject({ code: 2, stdout: '' });
    expect(noEquals.stderr).toMatch(/expected NAME=VALUE, got "MYVAR" \(to pass this shell's value: --env MYVAR="\$MYVAR"\)/);
    const emptyName = await run(['enqueue', 'true', '--env', '=x']);
    expect(emptyName).toMatchObject({ code: 2, stdout: '' });
    expect(emptyName.stderr).toMatch(/expected NAME=VALUE: a variable name must not be empty/);
    const notString = await run(['enqueue', JSON.stringify({ command: 'true', env: { A: 1 } })]);
    expect(notString).toMatchObject({ code: 2, stdout: '' });
    expect(notString.stderr).toMatch(/the job spec's env\.A must be a string, got 1/);

    // A 1 MB environment: ten variables of 100 kB.
    const big = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`BIG${i}`, 'x'.repeat(100_000)]));
    const oversized = await run(['enqueue', 'true'], { env: { ...shell, ...big } });
    expect(oversized).toMatchObject({ code: 2, stdout: '' });
    expect(oversized.stderr).toMatch(/this shell's environment cannot be a job's: env is \d+ bytes; a job's environment may have at most 262144 \(256 KiB\)\. Run with --no-env/);
    expect((await run(['enqueue', 'true', '--no-env'], { env: { ...shell, ...big } })).code).toBe(0);

    // The daemon checks again, whoever sends it.
    await expectInvalidArgument(rpc, [
      ['enqueue', { job: { command: 'true', env: big } }, /^env is \d+ bytes; a job's environment may have at most 262144/],
      ['enqueue', { job: { command: 'true', env: { A: 1 } } }, /^env\.A must be a string, got 1$/],
      ['enqueue', { job: { command: 'true', env: { 'A=B': 'x' } } }, /^env: variable name "A=B" must not contain "="$/],
      ['enqueue', { job: { command: 'true', umask: 18 } }, /^umask must be octal text such as "0022"/],
      ['enqueue.batch', { jobs: [{ command: 'true' }], env: { A: 'x\0' } }, /^env\.A must not contain NUL bytes$/],
      ['schedule.add', { cron: '@daily', command: 'true', env: [] }, /^env must be an object of variables/],
    ]);
  });
});
