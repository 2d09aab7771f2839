import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../protocol/index.js';
import type { Settings } from '../../electron/engine/config/settings.js';
import type { Pool } from '../../electron/engine/pool.js';
import { Scheduler } from '../../electron/engine/scheduler.js';
import type { SchedulerStep, StepDone, StoreApi } from '../../electron/engine/store/api.js';
import type { JobRow } from '../../electron/engine/store/rows.js';
import type { RunFinished } from '../../electron/engine/worker/messages.js';

/**
 * The scheduler over a store whose answers the test holds back (as a server store's may be), to see what a
 * settled SQLite promise never shows: one step in flight, what arrives meanwhile waiting for exactly one more,
 * results kept through a storage fault, and launches after the step, in claim order.
 */

/** A promise the test settles. */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(err: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const NOTHING: StepDone = { changed: [], claims: [], pausedQueues: [] };

let dir: string;
let steps: Array<{ step: SchedulerStep; answer: ReturnType<typeof deferred<StepDone>> }>;
let envReads: number[];
let idle: number[];
let launched: Array<{ workerId: number; jobId: string; env: Record<string, string> | null }>;
let announced: string[];
let logged: string[];
let scheduler: Scheduler;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qctl-steps-'));
  steps = [];
  envReads = [];
  idle = [];
  launched = [];
  announced = [];
  logged = [];
  const store = {
    step: (step: SchedulerStep) => {
      const answer = deferred<StepDone>();
      // What the scheduler passed, as it was when the step began.
      steps.push({ step: { ...step, results: [...step.results], idleWorkers: [...step.idleWorkers] }, answer });
      return answer.promise;
    },
    nextRunAt: async () => null,
    environment: async (id: number) => {
      envReads.push(id);
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (id === 777) throw Object.assign(new Error('sorry, too many clients already'), { code: '53300' });
      return { vars: id === 666 ? 'not json' : JSON.stringify({ FROM: `env ${id}` }) };
    },
  } as unknown as StoreApi;
  const pool = {
    idleWorkers: () => idle,
    running: () => [],
    run: (workerId: number, request: { jobId: string; env: Record<string, string> | null }) => {
      launched.push({ workerId, jobId: request.jobId, env: request.env });
      idle = idle.filter((w) => w !== workerId);
    },
  } as unknown as Pool;
  const config = defaultConfig();
  const settings = { get: (key: keyof typeof config) => config[key], all: () => config } as unknown as Settings;
  scheduler = new Scheduler(store, pool, settings, join(dir, 'logs'), (row) => announced.push(`${row.id} ${row.state}`), (m) => logged.push(m));
});

afterEach(() => {
  scheduler.halt();
  rmSync(dir, { recursive: true, force: true });
});

function finished(jobId: string): RunFinished {
  return { type: 'finished', jobId, attempt: 1, exitCode: 0, signal: null, timedOut: false, killedFor: null, error: null };
}

function row(id: string, state: JobRow['state'], envId: number | null = null): JobRow {
  return { id, state, queue: 'default', env_id: envId, command: 'true', cwd: null, timeout_ms: null, umask: 0o022, keep_children: 0, run_at: 0 } as JobRow;
}

describe('scheduler steps over an asynchronous store', () => {
  it('runs one step at a time: results that end meanwhile wait, then exactly one more step writes them all', async () => {
    scheduler.finished(finished('a'));
    expect(steps.map((s) => s.step.results.map((r) => r.jobId))).toEqual([['a']]);
    scheduler.finished(finished('b'));
    scheduler.dispatch();
    scheduler.wake();
    scheduler.finished(finished('c'));
    await settle();
    expect(steps).toHaveLength(1);

    steps[0]!.answer.resolve({ ...NOTHING, changed: [row('a', 'completed')] });
    await settle();
    expect(announced).toEqual(['a completed']);
    expect(steps.map((s) => s.step.results.map((r) => r.jobId))).toEqual([['a'], ['b', 'c']]);
    steps[1]!.answer.resolve(NOTHING);
    await settle();
    expect(steps).toHaveLength(2);
    expect(scheduler.unrecordedCount).toBe(0);
  });

  it('keeps the results through a storage fault (logged once) and writes them with the next step; flushUnrecorded says whether all got written', async () => {
    scheduler.finished(finished('a'));
    steps[0]!.answer.reject(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    await settle();
    expect(scheduler.unrecordedCount).toBe(1);
    expect(logged).toEqual(['storage fault, no jobs start until it clears: SQLITE_FULL: database or disk is full']);

    const refused = scheduler.flushUnrecorded();
    await settle();
    steps[1]!.answer.reject(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    expect(await refused).toBe(false);
    expect(logged).toHaveLength(1);

    const written = scheduler.flushUnrecorded();
    await settle();
    expect(steps[2]!.step.results.map((r) => r.jobId)).toEqual(['a']);
    steps[2]!.answer.resolve(NOTHING);
    expect(await written).toBe(true);
    expect(scheduler.unrecordedCount).toBe(0);
    expect(logged[1]).toBe('storage writable again; scheduling resumes');
    expect(await scheduler.flushUnrecorded()).toBe(true);
    expect(steps).toHaveLength(3);
  });

  it('a step the store refuses for another reason (a bug, a rejected statement) keeps the results too, logged once; the daemon stays up', async () => {
    scheduler.finished(finished('a'));
    steps[0]!.answer.reject(new TypeError('cannot read properties of undefined'));
    await settle();
    expect(scheduler.unrecordedCount).toBe(1);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^scheduling step failed, no jobs start until it clears: TypeError: cannot read properties of undefined/);
    const written = scheduler.flushUnrecorded();
    await settle();
    expect(steps[1]!.step.results.map((r) => r.jobId)).toEqual(['a']);
    steps[1]!.answer.resolve(NOTHING);
    expect(await written).toBe(true);
    expect(logged[1]).toBe('storage writable again; scheduling resumes');
  });

  it('launches the claims after the step resolved, in claim order, each with its environment read once per env id', async () => {
    idle = [1, 2, 3];
    scheduler.dispatch();
    expect(steps[0]!.step.idleWorkers).toEqual([1, 2, 3]);
    const claim = (workerId: number, id: string, envId: number | null) => ({
      workerId,
      claimed: { job: row(id, 'processing', envId), attempt: 1, beginning: { logStart: 0, marker: `m-${id}` } },
    });
    steps[0]!.answer.resolve({ changed: [row('x', 'processing', 7), row('y', 'processing', 7), row('z', 'processing')], claims: [claim(1, 'x', 7), claim(2, 'y', 7), claim(3, 'z', null)], pausedQueues: [] });
    await settle();
    expect(announced).toEqual(['x processing', 'y processing', 'z processing']);
    expect(launched).toEqual([]); // x waits for its environment, and y and z for x
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(launched).toEqual([
      { workerId: 1, jobId: 'x', env: { FROM: 'env 7' } },
      { workerId: 2, jobId: 'y', env: { FROM: 'env 7' } },
      { workerId: 3, jobId: 'z', env: null },
    ]);
    expect(envReads).toEqual([7]);
  });

  it('a claim whose environment row cannot be parsed fails its run (spending an attempt) instead of coming back forever; one the server refused to read waits again', async () => {
    idle = [1, 2];
    scheduler.dispatch();
    const claim = (workerId: number, id: string, envId: number | null) => ({
      workerId,
      claimed: { job: row(id, 'processing', envId), attempt: 1, beginning: { logStart: 0, marker: `m-${id}` } },
    });
    idle = [1, 2, 3];
    steps[0]!.answer.resolve({ changed: [], claims: [claim(1, 'bad', 666), claim(2, 'refused', 777), claim(3, 'fine', null)], pausedQueues: [] });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(launched).toEqual([{ workerId: 3, jobId: 'fine', env: null }]);
    // A server refusing the read passes: that run waits again without spending an attempt.
    expect(steps[1]!.step.results).toEqual([
      { jobId: 'bad', attempt: 1, result: { outcome: 'failed', exitCode: null, signal: null, error: expect.stringMatching(/^not started: its environment could not be read \(.*JSON/) } },
      { jobId: 'refused', attempt: 1, result: { outcome: 'requeued', exitCode: null, signal: null, error: 'not started: its environment could not be read (sorry, too many clients already)' } },
    ]);
  });
});
