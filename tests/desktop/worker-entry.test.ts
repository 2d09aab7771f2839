import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FromWorker, RunFinished, ToWorker } from '../../electron/engine/worker/messages.js';
import { isProcessAlive } from '../../protocol/node/process-alive.js';

/**
 * The worker bundle (out/node/worker.js, the one both hosts fork) under both of its transports, really
 * forked under Node:
 *
 * - `fork`: child_process.fork with an IPC channel, exactly as the headless daemon runs it.
 * - `parentPort`: the same bundle started through tests/desktop/fixtures/parent-port-shim.mjs, which gives
 *   it an Electron-shaped `process.parentPort` (postMessage out, {data} message events in) carried over the
 *   fork channel, and removes `process.send`. Every message is checked to have come through the port.
 *
 * What the parentPort half proves: worker/channel.ts picks the port when it exists, unwraps `event.data`,
 * posts every message through it, never falls back to process.send, and notices its parent died by the
 * ppid check alone (the shim's channel gives no 'disconnect' to the worker). What it does not prove:
 * Electron's own utilityProcess: its MessagePort delivery and ordering against 'exit', its structured clone
 * (the shim serialises as JSON over the fork channel), its stdio and environment, and the real ppid of a
 * utility process. Those are left to tests/e2e-electron, which needs the Electron binary.
 */

const WORKER = resolve('out/node/worker.js');
const SHIM = resolve('tests/desktop/fixtures/parent-port-shim.mjs');
const PARENT = resolve('tests/desktop/fixtures/worker-parent.mjs');

type Transport = 'fork' | 'parentPort';

/** One forked worker and the messages it sent, in order. */
class WorkerUnderTest {
  readonly messages: FromWorker[] = [];
  /** How each message arrived: through the port (wrapped by the shim) or the bare fork channel. */
  readonly via: Array<'parentPort' | 'fork'> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Array<() => void> = [];

  constructor(
    readonly transport: Transport,
    readonly child: ChildProcess,
  ) {
    child.on('message', (raw: unknown) => {
      const wrapped = transport === 'parentPort' && typeof raw === 'object' && raw !== null && 'via' in raw;
      this.via.push(wrapped ? 'parentPort' : 'fork');
      this.messages.push((wrapped ? (raw as unknown as { message: FromWorker }).message : raw) as FromWorker);
      for (const w of this.waiters.splice(0)) w();
    });
    this.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  }

  static start(transport: Transport): WorkerUnderTest {
    const options = { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] as ['ignore', 'pipe', 'pipe', 'ipc'] };
    const child = transport === 'fork' ? fork(WORKER, [], options) : fork(SHIM, [WORKER], options);
    return new WorkerUnderTest(transport, child);
  }

  send(message: ToWorker): void {
    this.child.send(message);
  }

  /** The first message (from index `from`) matching `type`. */
  async next<T extends FromWorker['type']>(type: T, from = 0, timeoutMs = 10_000): Promise<Extract<FromWorker, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find((m) => m.type === type);
      if (found) return found as Extract<FromWorker, { type: T }>;
      if (Date.now() > deadline) throw new Error(`no '${type}' from the ${this.transport} worker within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }
}

function processGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let dir: string;
const started: WorkerUnderTest[] = [];
const strays: number[] = [];

beforeAll(() => {
  if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run npm run build:node first (npm test does)`);
  dir = mkdtempSync(join(tmpdir(), 'qctl-worker-'));
});
afterEach(() => {
  for (const w of started.splice(0)) w.child.kill('SIGKILL');
  for (const pid of strays.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (jobId: string, command: string, extra: Partial<Extract<ToWorker, { type: 'run' }>> = {}): ToWorker => ({
  type: 'run',
  jobId,
  attempt: 1,
  command,
  cwd: null,
  timeoutMs: null,
  logPath: join(dir, `${jobId}.log`),
  logMaxBytes: 1_000_000,
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  queuectlEnv: {},
  umask: 0o022,
  ...extra,
});

describe.each<Transport>(['fork', 'parentPort'])('the worker bundle over %s', (transport) => {
  const start = (): WorkerUnderTest => {
    const w = WorkerUnderTest.start(transport);
    started.push(w);
    return w;
  };

  it('says ready, runs a job in its own process group, reports its exit code, and writes its output to the log', async () => {
    const w = start();
    await w.next('ready');
    const id = `${transport}-exit`;
    w.send(run(id, 'echo "hello from $QUEUECTL_TEST_VAR"; sleep 0.3; exit 3', { env: { PATH: process.env.PATH ?? '', QUEUECTL_TEST_VAR: transport } }));
    const began = await w.next('started');
    expect(began.jobId).toBe(id);
    // The command leads its own process group, apart from the worker's: a cancel kills the whole tree.
    expect(processGroup(began.pid)).toBe(began.pid);
    expect(processGroup(began.pid)).not.toBe(processGroup(w.child.pid!));
    const finished: RunFinished = await w.next('finished');
    expect(finished).toMatchObject({ jobId: id, attempt: 1, exitCode: 3, signal: null, timedOut: false, killedFor: null });
    expect(readFileSync(join(dir, `${id}.log`), 'utf8')).toContain(`hello from ${transport}`);
    if (transport === 'parentPort') expect(new Set(w.via)).toEqual(new Set(['parentPort']));
    else expect(new Set(w.via)).toEqual(new Set(['fork']));
  });

  it('kills the whole process tree of a canceled job, then exits 0 on shutdown', async () => {
    const w = start();
    await w.next('ready');
    const id = `${transport}-cancel`;
    // A grandchild that would outlive a kill of the shell alone.
    w.send(run(id, `sleep 30 & echo $! > ${join(dir, `${id}.pid`)}; wait`));
    const began = await w.next('started');
    await until(() => existsSync(join(dir, `${id}.pid`)) && readFileSync(join(dir, `${id}.pid`), 'utf8').trim() !== '', 5000, 'the grandchild pid');
    const grandchild = Number(readFileSync(join(dir, `${id}.pid`), 'utf8'));
    expect(isProcessAlive(grandchild)).toBe(true);
    w.send({ type: 'kill', jobId: id, reason: 'canceled' });
    const finished = await w.next('finished');
    expect(finished.killedFor).toBe('canceled');
    await until(() => !isProcessAlive(grandchild) && !isProcessAlive(began.pid), 5000, 'the job tree to be gone');
    w.send({ type: 'shutdown' });
    expect(await w.exited).toEqual({ code: 0, signal: null });
  });

  it('on SIGTERM (utilityProcess.kill, a session ending) kills its job’s whole group at once and exits 143', async () => {
    const w = start();
    await w.next('ready');
    const id = `${transport}-sigterm`;
    w.send(run(id, `sleep 30 & echo $! > ${join(dir, `${id}.pid`)}; wait`));
    const began = await w.next('started');
    await until(() => existsSync(join(dir, `${id}.pid`)) && readFileSync(join(dir, `${id}.pid`), 'utf8').trim() !== '', 5000, 'the grandchild pid');
    const grandchild = Number(readFileSync(join(dir, `${id}.pid`), 'utf8'));
    w.child.kill('SIGTERM');
    expect(await w.exited).toEqual({ code: 143, signal: null });
    await until(() => !isProcessAlive(grandchild) && !isProcessAlive(began.pid), 5000, 'the job tree to be gone');
  });

  it('when its engine dies (kill -9), kills the job it runs and exits', async () => {
    const parent = spawn(process.execPath, [PARENT, transport, WORKER, join(dir, `${transport}-orphan.log`), 'sleep 60'], { stdio: ['ignore', 'pipe', 'inherit'] });
    strays.push(parent.pid!);
    const line = await new Promise<string>((resolveLine, reject) => {
      let out = '';
      parent.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolveLine(out.split('\n')[0]!);
      });
      parent.once('exit', () => reject(new Error('the stand-in engine exited early')));
    });
    const { worker, job } = JSON.parse(line) as { worker: number; job: number };
    strays.push(job);
    expect(isProcessAlive(worker) && isProcessAlive(job)).toBe(true);
    process.kill(parent.pid!, 'SIGKILL');
    // fork: the IPC channel closes at once. parentPort: the worker polls its ppid every second.
    await until(() => !isProcessAlive(job), 6000, 'the orphaned job to be killed');
    await until(() => !isProcessAlive(worker), 6000, 'the orphaned worker to exit');
  });
});
