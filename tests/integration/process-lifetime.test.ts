import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanRun } from '../../electron/engine/worker/proc-scan.js';
import { CLI, TestHome, collect, isAlive, waitFor, type CliResult } from '../helpers/daemon.js';

const linux = process.platform === 'linux';
/** python3's own path (the job's PATH is the bare one), or null when there is none. */
const python = ((r) => (r.status === 0 ? r.stdout.trim() : null))(spawnSync('python3', ['-c', 'import os, sys; os.setsid; print(sys.executable)'], { encoding: 'utf8' }));
if (!python) console.log('process-lifetime: python3 not found; the os.setsid() + fork daemon case is skipped');

/**
 * Issue 13, containment: every process a run started is killed when the run ends (timeout, cancel, its
 * shell's exit), whatever it did to escape its process group. The daemon is started from a bare environment
 * (as `env -i` would); each job writes the pid of its escaped process and its run marker to files, and the
 * test checks by pid, and that no process carries the marker.
 */
describe.runIf(linux)('a run leaves no process behind (real daemon started from a bare environment)', () => {
  const t = new TestHome();
  const dir = mkdtempSync(join(tmpdir(), 'qctl-escape-'));
  const daemyPy = join(dir, 'daemonize.py');
  let seq = 0;

  /** The built CLI with only the variables named here: what a bare `env -i` shell plus QUEUECTL_HOME has. */
  const bare = (args: string[]): Promise<CliResult> =>
    collect(process.execPath, [CLI, ...args], { env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? dir, QUEUECTL_HOME: t.home, NO_COLOR: '1' } });

  beforeAll(async () => {
    // A classic daemon: fork, setsid, fork again; the grandchild writes its pid and sleeps.
    writeFileSync(
      daemyPy,
      ['import os, sys, time', 'if os.fork() == 0:', '    os.setsid()', '    if os.fork() == 0:', '        open(sys.argv[1], "w").write(str(os.getpid()))', '        time.sleep(300)', '    os._exit(0)', 'os.wait()'].join('\n'),
    );
    const started = await bare(['worker', 'start', '--detach', '--count', '6', '--json']);
    expect(started.code, started.stderr).toBe(0);
    await t.ok(['config', 'set', 'backoff_factor_ms', '0']);
  });
  afterAll(async () => {
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Each way out of the job's process group: a shell line that starts a process writing its pid to $1. */
  const escapes: Record<string, (pidFile: string) => string> = {
    setsid: (f) => `setsid sh -c 'echo $$ > ${f}; exec sleep 300' &`,
    'double fork via a shell': (f) => `sh -c '(sleep 300 & echo $! > ${f}) &'`,
    'nohup … &': (f) => `nohup sleep 300 >/dev/null 2>&1 & echo $! > ${f}`,
    ...(python ? { 'python os.setsid() + fork daemon': (f: string) => `${python} ${daemyPy} ${f}` } : {}),
  };

  /** Enqueues `escape` followed by `rest`; waits until the escaped process and the run's marker are known. */
  async function escaped(escape: (f: string) => string, rest: string, options: string[] = []): Promise<{ id: string; pid: number; marker: string }> {
    const n = ++seq;
    const pidFile = join(dir, `pid-${n}`);
    const markerFile = join(dir, `marker-${n}`);
    const command = [`echo "$QUEUECTL_RUN" > ${markerFile}`, escape(pidFile), `while [ ! -s ${pidFile} ]; do sleep 0.05; done`, rest].join('\n');
    const id = (await bare(['enqueue', '--retries', '0', ...options, command])).stdout.trim();
    const pid = await waitFor(() => (existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')) > 0 ? Number(readFileSync(pidFile, 'utf8')) : undefined), 10_000, `job ${id}'s escaped pid`).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${command}\n${await t.cli(['logs', id]).then((r) => r.stdout + r.stderr)}`);
    });
    const marker = readFileSync(markerFile, 'utf8').trim();
    expect(marker).toMatch(/^[0-9a-f]{32}$/);
    return { id, pid, marker };
  }

  const expectGone = (run: { pid: number; marker: string }, what: string): void => {
    expect(isAlive(run.pid), `${what}: escaped pid ${run.pid} still alive`).toBe(false);
    expect(scanRun({ leader: null, marker: run.marker }), `${what}: processes with the run's marker`).toEqual([]);
  };

  it('each escape is killed on timeout', async () => {
    await Promise.all(
      Object.entries(escapes).map(async ([name, escape]) => {
        const run = await escaped(escape, 'sleep 100', ['--timeout', '1500ms']);
        const job = await t.until(run.id, 'dead', 15_000);
        expect(job.attempt_history[0]!.outcome, name).toBe('timed_out');
        expectGone(run, `${name} (timeout)`);
      }),
    );
  });

  it('each escape is killed by cancel, before cancel answers', async () => {
    await Promise.all(
      Object.entries(escapes).map(async ([name, escape]) => {
        const run = await escaped(escape, 'sleep 100');
        expect(await t.ok(['cancel', run.id])).toBe(`canceled ${run.id}`);
        expectGone(run, `${name} (cancel)`);
      }),
    );
  });

  it('each escape is killed when its job completes, before the job is reported completed', async () => {
    await Promise.all(
      Object.entries(escapes).map(async ([name, escape]) => {
        const run = await escaped(escape, 'exit 0');
        await t.until(run.id, 'completed', 15_000);
        expectGone(run, `${name} (completed)`);
      }),
    );
  });

  it('a job that stopped itself (SIGSTOP) still times out and is killed', async () => {
    const id = (await bare(['enqueue', '--retries', '0', '--timeout', '1s', 'kill -STOP $$; echo never'])).stdout.trim();
    const job = await t.until(id, 'dead', 10_000);
    expect(job.attempt_history[0]!.outcome).toBe('timed_out');
  });

  it('a job that stopped its worker (SIGSTOP) still times out: the engine kills the worker and the run', async () => {
    const pidFile = join(dir, 'stopped-worker-child');
    const id = (await bare(['enqueue', '--retries', '0', '--timeout', '1s', `sleep 300 & echo $! > ${pidFile}; kill -STOP $PPID; wait`])).stdout.trim();
    const job = await t.until(id, 'dead', 15_000);
    expect(job.attempt_history[0]!.outcome).toBe('timed_out');
    expect(isAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('cancel of a job that stopped its worker (SIGSTOP) answers once the engine killed the worker and the run', async () => {
    const pidFile = join(dir, 'stopped-worker-cancel');
    const id = (await bare(['enqueue', '--retries', '0', `sleep 300 & echo $! > ${pidFile}; kill -STOP $PPID; wait`])).stdout.trim();
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 10_000, 'the job to start its child');
    await new Promise((r) => setTimeout(r, 200)); // the worker stops itself right after
    expect(await t.ok(['cancel', id])).toBe(`canceled ${id}`);
    expect(isAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
    expect((await t.show(id)).attempt_history[0]!.outcome).toBe('canceled');
  });

  it('output from a leftover never goes past the cap', async () => {
    await t.ok(['config', 'set', 'log_max_bytes', '4096']);
    try {
      const id = (await bare(['enqueue', '(sleep 0.5; head -c 30000000 /dev/zero) & echo main'])).stdout.trim();
      const job = await t.until(id, 'completed');
      await new Promise((r) => setTimeout(r, 1500)); // past the leftover's burst, had it survived
      expect(statSync(job.log_path).size).toBeLessThanOrEqual(4096);
      expect(readFileSync(job.log_path, 'utf8')).toBe('main\n');
    } finally {
      await t.ok(['config', 'set', 'log_max_bytes', String(10 * 1024 ** 2)]);
    }
  });

  it('--keep-children leaves a child running, and its later output still stops at the cap', async () => {
    await t.ok(['config', 'set', 'log_max_bytes', '4096']);
    const pidFile = join(dir, 'kept');
    let pid = 0;
    try {
      const id = (await bare(['enqueue', '--keep-children', `sh -c 'sleep 0.5; head -c 3000000 /dev/zero; exec sleep 300' & echo $! > ${pidFile}; echo main`])).stdout.trim();
      const job = await t.until(id, 'completed');
      expect(job.keep_children).toBe(true);
      pid = Number(readFileSync(pidFile, 'utf8'));
      await new Promise((r) => setTimeout(r, 1500));
      expect(isAlive(pid)).toBe(true);
      const size = statSync(job.log_path).size;
      expect(size).toBeLessThanOrEqual(4096 + 200); // the cap, then queuectl's one-line note
      expect(readFileSync(job.log_path, 'latin1')).toMatch(/^main\n/);
    } finally {
      if (pid > 0) process.kill(pid, 'SIGKILL');
      await t.ok(['config', 'set', 'log_max_bytes', String(10 * 1024 ** 2)]);
    }
  });
});
