import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../protocol/node/process-alive.js';
import type { RunRequest } from '../../electron/engine/worker/messages.js';
import { runCommand } from '../../electron/engine/worker/run-command.js';
import { chooseRunner, describeChoice } from '../../electron/engine/worker/spawn-choice.js';
import { execaRunner } from '../../electron/engine/worker/spawn-execa.js';
import { loadSpawnAddon, posixRunner } from '../../electron/engine/worker/spawn-posix.js';
import type { ShellRunner } from '../../electron/engine/worker/spawn-runner.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

/**
 * The two ways a worker starts a job's shell (worker/spawn-choice.ts) must be indistinguishable to a job and
 * to the queue: the same cases run against both. The addon is built by `npm run build:node` (out/native);
 * on Linux its absence is a failure here, not a skip, so a broken build cannot hide behind the fallback.
 */
const ADDON = resolve('out/native/queuectl_spawn.node');
const runners: [string, ShellRunner][] = [
  ['execa', execaRunner],
  ['posix_spawn', posixRunner(loadSpawnAddon(ADDON))],
];

const dir = mkdtempSync(join(tmpdir(), 'qctl-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;

function request(command: string, extra: Partial<RunRequest> = {}): RunRequest {
  const n = ++serial;
  return {
    type: 'run',
    jobId: `job-${n}`,
    attempt: 1,
    command,
    cwd: dir,
    timeoutMs: null,
    logPath: join(dir, `job-${n}.log`),
    logMaxBytes: 1_000_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    queuectlEnv: { QUEUECTL_JOB_ID: `job-${n}` },
    umask: 0o022,
    ...extra,
  };
}

describe.each(runners)('jobs started through %s', (name, runner) => {
  const run = async (command: string, extra: Partial<RunRequest> = {}) => {
    const req = request(command, extra);
    const finished = await runCommand(req, runner).done;
    return { ...finished, log: readFileSync(req.logPath, 'utf8') };
  };

  it('reports exit codes, and stdout and stderr go into the log', async () => {
    expect(await run('echo out; echo err >&2')).toMatchObject({ exitCode: 0, signal: null, error: null, log: 'out\nerr\n' });
    expect(await run('exit 3')).toMatchObject({ exitCode: 3, error: 'exited with code 3' });
  });

  it('reports a signal by name, and the job starts with every signal at its default (Node ignores SIGPIPE)', async () => {
    expect(await run('kill -TERM $$')).toMatchObject({ exitCode: null, signal: 'SIGTERM', error: 'killed by SIGTERM' });
    expect(await run('kill -PIPE $$; echo survived')).toMatchObject({ signal: 'SIGPIPE', log: '' });
  });

  it('a command that does not exist is the shell\u2019s 127', async () => {
    const r = await run('no-such-command-queuectl');
    expect(r.exitCode).toBe(127);
    expect(r.log).toMatch(/not found/);
  });

  it('runs in the job\u2019s cwd, with exactly its environment and the marker, stdin from /dev/null', async () => {
    const sub = join(dir, 'sub dir');
    mkdirSync(sub, { recursive: true });
    const r = await run('pwd; echo "${FOO}|${HOME-unset}|${#QUEUECTL_RUN}"; cat; readlink /proc/self/fd/0', {
      cwd: sub,
      env: { PATH: process.env.PATH!, FOO: 'a b' },
    });
    expect(r.log).toBe(`${sub}\na b|unset|32\n/dev/null\n`);
  });

  // execa's children inherit whatever the worker inherited without close-on-exec; the addon closes it all.
  it.runIf(name === 'posix_spawn')('inherits no descriptor beyond stderr', async () => {
    expect((await run('ls /proc/$$/fd')).log).toBe('0\n1\n2\n');
  });

  it('leads a new session and process group', async () => {
    const r = await run('cut -d" " -f5,6 /proc/$$/stat; echo $$');
    const [ids, pid] = r.log.trim().split('\n');
    expect(ids).toBe(`${pid} ${pid}`);
  });

  it('a working directory that is gone is the run\u2019s error, not a crash', async () => {
    expect(await run('true', { cwd: join(dir, 'vanished') })).toMatchObject({ exitCode: null, error: expect.stringMatching(/does not exist/) });
    // Gone between the worker's check and the spawn: the runner itself reports it.
    const started = runner.start({ command: 'true', cwd: join(dir, 'vanished'), env: {}, umask: 0o022, output: { fd: 1 } });
    expect(started.pid).toBeNull();
    expect(await started.exit).toMatchObject({ exitCode: null, signal: null, message: expect.stringMatching(/ENOENT|No such file/) });
  });

  it('takes the job\u2019s umask: a file made with 022 is 0644, with 077 0600', async () => {
    await run('touch u022', { umask: 0o022 });
    await run('touch u077', { umask: 0o077 });
    expect(statSync(join(dir, 'u022')).mode & 0o777).toBe(0o644);
    expect(statSync(join(dir, 'u077')).mode & 0o777).toBe(0o600);
  });

  it('passes a huge environment (200 kB)', async () => {
    const env: Record<string, string> = { PATH: process.env.PATH! };
    for (let i = 0; i < 200; i++) env[`BIG_${i}`] = 'x'.repeat(1000);
    expect(await run('echo ${#BIG_0} ${#BIG_199}', { env })).toMatchObject({ exitCode: 0, log: '1000 1000\n' });
  });

  it('a timeout kills the whole group, background processes too', async () => {
    const r = await run('sleep 30 & echo $!; sleep 30', { timeoutMs: 300 });
    expect(r).toMatchObject({ timedOut: true, signal: 'SIGTERM', error: 'timed out after 300 ms; the process tree was killed' });
    expect(isProcessAlive(Number(r.log.trim()))).toBe(false);
  });

  it('cancel ends the run with every process it started', async () => {
    const req = request('sleep 30 & echo $!; sleep 30');
    const running = runCommand(req, runner);
    expect(running.pid).toBeGreaterThan(0);
    const child = await waitFor(() => Number(readFileSync(req.logPath, 'utf8').trim()) || undefined, 5000, 'the background pid');
    running.kill('canceled');
    expect(await running.done).toMatchObject({ killedFor: 'canceled', error: 'canceled by the user' });
    expect(isProcessAlive(child)).toBe(false);
    expect(isProcessAlive(running.pid!)).toBe(false);
  });

  it('at the end of the job, what it left running is killed', async () => {
    const r = await run('setsid sleep 30 >/dev/null 2>&1 & echo $!');
    expect(r.exitCode).toBe(0);
    // Killed as the run ended; gone once the kernel and its new parent (init) are done with it, a moment later
    // on a busy machine (a zombie still answers kill 0).
    const pid = Number(r.log.trim());
    await waitFor(() => !isProcessAlive(pid), 3000, 'the process the job left behind to be gone');
  });
});

describe('which runner a worker takes', () => {
  it('posix_spawn where the addon loads; execa when asked, on Windows, or when the addon is missing, saying why', () => {
    expect(chooseRunner(ADDON, {}, 'linux').runner.name).toBe('posix_spawn');
    expect(chooseRunner(ADDON, { QUEUECTL_RUNNER: 'execa' }, 'linux')).toMatchObject({ runner: { name: 'execa' }, why: 'QUEUECTL_RUNNER=execa' });
    expect(chooseRunner(ADDON, {}, 'win32').runner.name).toBe('execa');
    const missing = chooseRunner(join(dir, 'missing.node'), { QUEUECTL_RUNNER: 'posix_spawn' }, 'linux');
    expect(missing.runner.name).toBe('execa');
    expect(describeChoice(missing)).toMatch(/^queuectl: jobs start through execa: the posix_spawn addon did not load \(.*missing\.node/);
  });

  it('a daemon says in daemon.log which runner its workers use, and runs jobs without the addon', async () => {
    const usual = new TestHome();
    try {
      await usual.start(1);
      await waitFor(() => /worker 1: queuectl: jobs start through posix_spawn: native addon /.test(usual.daemonLog()), 10_000, 'the runner line');
    } finally {
      await usual.dispose();
    }
    const missing = new TestHome();
    try {
      const r = await missing.cli(['worker', 'start', '--detach', '--count', '1'], { env: { QUEUECTL_SPAWN_ADDON: join(dir, 'missing.node') } });
      expect(r.code).toBe(0);
      const id = await missing.ok(['enqueue', 'echo fine']);
      await missing.until(id, 'completed');
      expect(missing.daemonLog()).toMatch(/worker 1: queuectl: jobs start through execa: the posix_spawn addon did not load/);
    } finally {
      await missing.dispose();
    }
  });
});
