import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WORKER_NODE_FLAGS } from '../../electron/daemon/fork-worker.js';
import { utilityExecArgv, utilityWorkers, type UtilityChild, type UtilityForkOptions } from '../../electron/main/utility-workers.js';

/**
 * The SpawnWorker the desktop host builds on utilityProcess.fork, with a fake UtilityProcess (a mock, since
 * Electron cannot run here): what the adapter adds on top of Electron. The real worker bundle under a
 * parentPort is covered by worker-entry.test.ts.
 */
class FakeUtility extends EventEmitter implements UtilityChild {
  pid: number | undefined = undefined;
  posted: unknown[] = [];
  killed = 0;
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  kill(): boolean {
    this.killed++;
    return true;
  }
}

function setup() {
  const forks: Array<{ path: string; options: UtilityForkOptions; child: FakeUtility }> = [];
  const sigkills: number[] = [];
  const spawn = utilityWorkers(
    (path, _args, options) => {
      const child = new FakeUtility();
      forks.push({ path, options, child });
      return child;
    },
    '/app/out/node/worker.js',
    { env: { PATH: '/bin', ELECTRON_RUN_AS_NODE: '1', UNSET: undefined }, killPid: (pid) => sigkills.push(pid) },
  );
  return { spawn, forks, sigkills };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('utility-process workers', () => {
  it('forks the shared worker bundle with its worker id, a service name and no ELECTRON_RUN_AS_NODE', () => {
    const { spawn, forks } = setup();
    spawn(3);
    expect(forks[0]!.path).toBe('/app/out/node/worker.js');
    expect(forks[0]!.options).toEqual({
      env: { PATH: '/bin', QUEUECTL_WORKER_ID: '3' },
      serviceName: 'queuectl worker 3',
      stdio: 'inherit',
      execArgv: utilityExecArgv(),
    });
  });

  it('gives workers the daemon\'s small-heap, lite-mode V8 flags, as the one --js-flags switch a utility process reads them from', () => {
    expect(WORKER_NODE_FLAGS).toEqual(expect.arrayContaining(['--lite-mode', '--max-old-space-size=64']));
    expect(utilityExecArgv()).toEqual([`--js-flags=${WORKER_NODE_FLAGS.join(' ')}`]);
    expect(utilityExecArgv([])).toEqual([]);
  });

  it('has no pid before spawn, then the child pid; messages pass both ways', () => {
    const { spawn, forks } = setup();
    const handle = spawn(1);
    const child = forks[0]!.child;
    expect(handle.pid).toBeNull();
    child.pid = 4242;
    child.emit('spawn');
    expect(handle.pid).toBe(4242);
    const got: unknown[] = [];
    handle.onMessage((m) => got.push(m));
    child.emit('message', { type: 'ready' });
    handle.send({ type: 'shutdown' });
    expect(got).toEqual([{ type: 'ready' }]);
    expect(child.posted).toEqual([{ type: 'shutdown' }]);
  });

  it('reports exit once, after messages already delivered, and never posts to a child that is gone', async () => {
    const { spawn, forks } = setup();
    const handle = spawn(1);
    const child = forks[0]!.child;
    const order: string[] = [];
    handle.onMessage((m) => order.push(`message ${(m as { type: string }).type}`));
    handle.onExit((code, signal) => order.push(`exit ${code} ${signal}`));
    child.emit('exit', 0);
    // A message Electron delivers right after the exit event still reaches the pool first.
    child.emit('message', { type: 'finished' });
    child.emit('exit', 0);
    handle.send({ type: 'shutdown' });
    await tick();
    expect(order).toEqual(['message finished', 'exit 0 null']);
    expect(child.posted).toEqual([]);
  });

  it('kill() is SIGKILL to the pid (utilityProcess.kill would only send SIGTERM), reported as such', async () => {
    const { spawn, forks, sigkills } = setup();
    const handle = spawn(1);
    const child = forks[0]!.child;
    child.pid = 777;
    child.emit('spawn');
    const exits: Array<[number | null, string | null]> = [];
    handle.onExit((code, signal) => exits.push([code, signal]));
    handle.kill();
    expect(sigkills).toEqual([777]);
    expect(child.killed).toBe(0);
    child.pid = undefined;
    child.emit('exit', 9);
    await tick();
    expect(exits).toEqual([[null, 'SIGKILL']]);
    handle.kill();
    expect(sigkills).toEqual([777]);
  });

  it('kill() before the process has a pid asks Electron to end it', () => {
    const { spawn, forks, sigkills } = setup();
    spawn(1).kill();
    expect(sigkills).toEqual([]);
    expect(forks[0]!.child.killed).toBe(1);
  });
});
