import { describe, expect, it } from 'vitest';
import { Pool } from '../../electron/engine/pool.js';
import type { WorkerHandle } from '../../electron/engine/spawn.js';
import type { FromWorker, RunFinished, ToWorker } from '../../electron/engine/worker/messages.js';

/** A worker process as the pool sees it, driven by the test: what the pool sent, and replies on demand. */
class FakeWorker implements WorkerHandle {
  readonly pid = 4242;
  readonly sent: ToWorker[] = [];
  private listener: (m: FromWorker) => void = () => {};
  private exitListener: (code: number | null, signal: string | null) => void = () => {};
  send(message: ToWorker): void {
    this.sent.push(message);
  }
  onMessage(listener: (m: FromWorker) => void): void {
    this.listener = listener;
  }
  onExit(listener: (code: number | null, signal: string | null) => void): void {
    this.exitListener = listener;
  }
  kill(): void {
    this.exitListener(null, 'SIGKILL');
  }
  reply(message: FromWorker): void {
    this.listener(message);
  }
  exit(code: number): void {
    this.exitListener(code, null);
  }
}

const finished = (jobId: string): RunFinished => ({ type: 'finished', jobId, attempt: 1, exitCode: 0, signal: null, timedOut: false, killedFor: null, error: null });

/**
 * Scaling down (or stopping) with busy workers: a worker is told to exit only once its result arrived, so
 * it never exits with a result in flight (under Electron's parentPort it cannot tell when a message left).
 */
describe('pool: retiring busy workers', () => {
  it('tells a busy worker to go only after its result arrived, and records the run as finished, not crashed', () => {
    const workers: FakeWorker[] = [];
    const log: string[] = [];
    const pool = new Pool(
      () => {
        const w = new FakeWorker();
        workers.push(w);
        return w;
      },
      {
        onIdle: () => log.push('idle'),
        onFinished: (_id, r) => log.push(`finished ${r.jobId}`),
        onCrashed: (_id, job) => log.push(`crashed ${job.jobId}`),
        onStarted: () => {},
        onWorkersChanged: () => {},
        log: () => {},
      },
    );
    pool.resize(2);
    for (const w of workers) w.reply({ type: 'ready' });
    const [first, second] = workers as [FakeWorker, FakeWorker];
    pool.run(1, { type: 'run', jobId: 'a', attempt: 1, command: 'true', cwd: null, timeoutMs: null, logPath: '/dev/null', logMaxBytes: 1024, env: null, queuectlEnv: {}, umask: 0o022 });
    pool.run(2, { type: 'run', jobId: 'b', attempt: 1, command: 'true', cwd: null, timeoutMs: null, logPath: '/dev/null', logMaxBytes: 1024, env: null, queuectlEnv: {}, umask: 0o022 });

    pool.resize(1);
    const retiring = [first, second].find((w) => w.sent.some((m) => m.type === 'run')) === first ? second : first;
    const all = [first, second];
    expect(all.flatMap((w) => w.sent.filter((m) => m.type === 'shutdown'))).toEqual([]);

    const jobOf = (w: FakeWorker): string => (w.sent.find((m) => m.type === 'run') as { jobId: string }).jobId;
    retiring.reply(finished(jobOf(retiring)));
    expect(retiring.sent.at(-1)).toEqual({ type: 'shutdown' });
    retiring.exit(0);
    expect(log).toContain(`finished ${jobOf(retiring)}`);
    expect(log.filter((l) => l.startsWith('crashed'))).toEqual([]);
    expect(pool.info().map((w) => w.id)).toHaveLength(1);
  });

  it('tells an idle worker to go at once', () => {
    const workers: FakeWorker[] = [];
    const pool = new Pool(
      () => {
        const w = new FakeWorker();
        workers.push(w);
        return w;
      },
      { onIdle: () => {}, onFinished: () => {}, onCrashed: () => {}, onStarted: () => {}, onWorkersChanged: () => {}, log: () => {} },
    );
    pool.resize(2);
    for (const w of workers) w.reply({ type: 'ready' });
    pool.resize(1);
    expect(workers.filter((w) => w.sent.some((m) => m.type === 'shutdown'))).toHaveLength(1);
  });
});
