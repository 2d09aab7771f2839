import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobsEvent, QueueEvent, ResultOf } from '../../protocol/index.js';
import { forkWorkers } from '../../electron/daemon/fork-worker.js';
import { startEngine, type Engine, type Session } from '../../electron/engine/index.js';
import { waitFor } from '../helpers/daemon.js';

/**
 * The engine as the desktop app hosts it: started in this very process (as Electron's main does, with
 * forked workers standing in for utility processes), its clients in-process sessions calling
 * engine.dispatch (the window over IPC, the tray), the tray's pause switch, and the window hook behind
 * `ui.show`.
 */

class RecordingSession implements Session {
  readonly events: QueueEvent[] = [];
  push(event: QueueEvent): void {
    this.events.push(event);
  }
  jobStates(id: string): string[] {
    return this.events.filter((e): e is JobsEvent => e.type === 'jobs').flatMap((e) => e.jobs.filter((j) => j.id === id).map((j) => j.state));
  }
}

const WORKER = resolve('out/node/worker.js');

describe('engine hosted in-process (the desktop app host)', () => {
  let home: string;
  let engine: Engine | null = null;
  const shown: Array<string | null> = [];

  const start = async (): Promise<Engine> => {
    engine = await startEngine({ home, workers: 1, spawnWorker: forkWorkers(WORKER), host: { showDashboard: (route) => shown.push(route) }, log: () => {} });
    return engine;
  };
  const call = async <T>(e: Engine, session: Session, method: string, params: unknown = {}): Promise<T> => {
    const outcome = await e.dispatch(session, method, params);
    if ('error' in outcome) throw new Error(`${method}: ${outcome.error.message}`);
    return outcome.result as T;
  };

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'qctl-host-'));
    shown.length = 0;
  });
  afterEach(async () => {
    await engine?.stop({ timeoutMs: 1000 });
    engine = null;
    rmSync(home, { recursive: true, force: true });
  });

  it('a session calling dispatch gets answers, protocol errors as values, and its subscribed events', async () => {
    const e = await start();
    const window = new RecordingSession();
    await call(e, window, 'events.subscribe', { jobs: true });
    const { job } = await call<ResultOf<'enqueue'>>(e, window, 'enqueue', { job: { command: 'true' } });
    await waitFor(() => window.jobStates(job.id).includes('completed'), 10_000, 'the completed event');
    expect(window.jobStates(job.id)[0]).toBe('pending');

    const missing = await e.dispatch(window, 'show', { id: 'nope' });
    expect('error' in missing && missing.error.data?.code).toBe('JOB_NOT_FOUND');
    const unknown = await e.dispatch(window, 'no.such.method', {});
    expect('error' in unknown && unknown.error.data?.code).toBe('METHOD_NOT_FOUND');
    const hello = await e.dispatch(window, 'hello', {});
    expect('error' in hello).toBe(true);
  });

  it('a dropped session hears nothing more', async () => {
    const e = await start();
    const window = new RecordingSession();
    await call(e, window, 'events.subscribe', { jobs: true });
    e.dropSession(window);
    const other = new RecordingSession();
    await call(e, other, 'events.subscribe', { jobs: true });
    const { job } = await call<ResultOf<'enqueue'>>(e, other, 'enqueue', { job: { command: 'true' } });
    await waitFor(() => other.jobStates(job.id).includes('completed'), 10_000, 'the other session to see it complete');
    expect(window.events).toEqual([]);
  });

  it('pausing holds new jobs (running ones go on), is announced, survives a restart, and resuming runs them', async () => {
    let e = await start();
    const tray = new RecordingSession();
    await call(e, tray, 'events.subscribe', { jobs: true });
    const running = await call<ResultOf<'enqueue'>>(e, tray, 'enqueue', { job: { command: 'sleep 1' } });
    await waitFor(() => tray.jobStates(running.job.id).includes('processing'), 10_000, 'the first job to start');
    await e.setPaused(true);
    expect(e.paused()).toBe(true);
    expect(tray.events.filter((ev) => ev.type === 'queue')).toMatchObject([{ type: 'queue', paused: true }]);
    const held = await call<ResultOf<'enqueue'>>(e, tray, 'enqueue', { job: { command: 'true' } });
    await waitFor(() => tray.jobStates(running.job.id).includes('completed'), 10_000, 'the running job to finish while paused');
    await new Promise((r) => setTimeout(r, 500));
    const status = await call<ResultOf<'status'>>(e, tray, 'status');
    expect(status).toMatchObject({ paused: true, has_window: true });
    expect(status.counts.pending).toBe(1);

    await e.stop({ timeoutMs: 1000 });
    e = await start();
    expect(e.paused()).toBe(true);
    const again = new RecordingSession();
    await call(e, again, 'events.subscribe', { jobs: true });
    await new Promise((r) => setTimeout(r, 500));
    expect((await call<ResultOf<'show'>>(e, again, 'show', { id: held.job.id })).job.state).toBe('pending');
    const resumed = await call<ResultOf<'queue.resume'>>(e, again, 'queue.resume');
    expect(resumed).toMatchObject({ paused: false, changed: true, paused_since: null });
    await waitFor(() => again.jobStates(held.job.id).includes('completed'), 10_000, 'the held job to run after resume');
    expect((await call<ResultOf<'queue.resume'>>(e, again, 'queue.resume')).changed).toBe(false);
  });

  it('ui.show reaches the host window with the route; a bad route is refused', async () => {
    const e = await start();
    const cli = new RecordingSession();
    await call(e, cli, 'ui.show', { route: '#/dlq' });
    await call(e, cli, 'ui.show', {});
    expect(shown).toEqual(['#/dlq', null]);
    const bad = await e.dispatch(cli, 'ui.show', { route: 'javascript:alert(1)' });
    expect('error' in bad && bad.error.data?.code).toBe('INVALID_ARGUMENT');
  });

  it('after a stop, in-process calls answer SHUTTING_DOWN and the pause switch is left alone', async () => {
    const e = await start();
    const tray = new RecordingSession();
    let stoppingSeen = 0;
    e.events.on('stopping', () => stoppingSeen++);
    await e.stop({ timeoutMs: 1000 });
    await e.stopped;
    expect(stoppingSeen).toBe(1);
    const late = await e.dispatch(tray, 'status', {});
    expect('error' in late && late.error.data?.code).toBe('SHUTTING_DOWN');
    expect(() => e.setPaused(true)).not.toThrow();
    expect(e.paused()).toBe(false);
  });
});
