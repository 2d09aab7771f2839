import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueueError, type ErrorCode } from '../../protocol/index.js';
import { createStore, type Store } from '../../electron/engine/store/index.js';
import { openDatabase } from '../../electron/engine/store/open.js';
import { MIGRATIONS } from '../../electron/engine/store/migrations/index.js';
import { generateId, type NewJob } from '../../electron/engine/store/transitions/enqueue.js';
import type { RunResult } from '../../electron/engine/store/transitions/finish.js';
import type { JobRow } from '../../electron/engine/store/rows.js';
import { queueErrorOf } from '../helpers/queue-error.js';

const ID_PATTERN = /^[0-9abcdefghjkmnpqrstvwxyz]{8}$/;
const T0 = 1_700_000_000_000;

let dir: string;
let dbPath: string;
let db: Database.Database;
let store: Store;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qctl-store-'));
  dbPath = join(dir, 'queue.db');
  db = openDatabase(dbPath);
  store = createStore(db);
});

afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function newJob(over: Partial<NewJob> = {}): NewJob {
  return { id: null, name: null, command: 'true', max_retries: 2, priority: 0, timeout_ms: null, cwd: null, queue: 'default', ...over };
}

function add(over: Partial<NewJob> = {}, now = T0): JobRow {
  return store.enqueue(newJob(over), now);
}

function claimAt(now: number, workerId = 1) {
  const claimed = store.claim(workerId, now);
  if (!claimed) throw new Error(`nothing to claim at ${now}`);
  return claimed;
}

function job(id: string): JobRow {
  const row = store.getJob(id);
  if (!row) throw new Error(`no job ${id}`);
  return row;
}

const FAILED: RunResult = { outcome: 'failed', exitCode: 1, signal: null, error: 'exit code 1' };
const COMPLETED: RunResult = { outcome: 'completed', exitCode: 0, signal: null, error: null };
const REQUEUED: RunResult = { outcome: 'requeued', exitCode: null, signal: 'SIGTERM', error: 'requeued by a graceful stop' };

/** A recognisable backoff: retry n waits n seconds plus 7 ms; remembers every n it was asked for. */
function recordingDelay() {
  const asked: number[] = [];
  const fn = (n: number): number => {
    asked.push(n);
    return n * 1000 + 7;
  };
  return { asked, fn };
}
const noDelay = (): number => 0;

const errorCode = (fn: () => unknown): ErrorCode => queueErrorOf(fn).code;

describe('enqueue', () => {
  it('inserts a pending job with attempts 0, due now, with the given fields', () => {
    const row = add({ name: 'build', command: 'make test', max_retries: 4, priority: 3, timeout_ms: 5000, cwd: '/tmp' }, T0 + 5);
    expect(row).toMatchObject({
      name: 'build',
      command: 'make test',
      state: 'pending',
      attempts: 0,
      max_retries: 4,
      priority: 3,
      timeout_ms: 5000,
      cwd: '/tmp',
      run_at: T0 + 5,
      created_at: T0 + 5,
      updated_at: T0 + 5,
      started_at: null,
      finished_at: null,
      exit_code: null,
      last_error: null,
      worker_id: null,
    });
    expect(store.getJob(row.id)).toEqual(row);
  });

  it('generates 8-character ids from 0-9a-z without i, l, o, u, all different', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const { id } = add();
      expect(id).toMatch(ID_PATTERN);
      ids.add(id);
    }
    expect(ids.size).toBe(300);
  });

  it('generateId only ever uses the 32-letter alphabet, and uses all of it', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = generateId();
      expect(id).toMatch(ID_PATTERN);
      for (const ch of id) seen.add(ch);
    }
    for (const banned of 'ilou') expect(seen.has(banned)).toBe(false);
    expect(seen.size).toBe(32);
  });

  it('keeps a chosen id', () => {
    expect(add({ id: 'nightly-backup' }).id).toBe('nightly-backup');
  });

  it('refuses a chosen id that exists with DUPLICATE_ID and leaves the first job untouched', () => {
    const first = add({ id: 'dup', command: 'echo one' });
    expect(errorCode(() => add({ id: 'dup', command: 'echo two' }, T0 + 1))).toBe('DUPLICATE_ID');
    expect(store.getJob('dup')).toEqual(first);
    expect(store.counts().pending).toBe(1);
  });

  it('DUPLICATE_ID carries the id in its details', () => {
    add({ id: 'dup' });
    try {
      add({ id: 'dup' });
      expect.unreachable();
    } catch (e) {
      expect((e as QueueError).details).toEqual({ id: 'dup' });
      expect((e as QueueError).toRpc().data.code).toBe('DUPLICATE_ID');
    }
  });
});

describe('claim', () => {
  it('returns null when nothing waits', () => {
    expect(store.claim(1, T0)).toBeNull();
  });

  it('moves the job to processing with the worker and start time, and opens attempt 1', () => {
    const { id } = add();
    const claimed = claimAt(T0 + 10, 4);
    expect(claimed.attempt).toBe(1);
    expect(claimed.job).toMatchObject({ id, state: 'processing', worker_id: 4, started_at: T0 + 10, updated_at: T0 + 10 });
    expect(job(id).state).toBe('processing');
    expect(store.attempts(id)).toEqual([
      { number: 1, worker_id: 4, started_at: T0 + 10, finished_at: null, outcome: 'running', exit_code: null, signal: null, error: null, log_start: null, last_line: null },
    ]);
  });

  it('never claims the same job twice', () => {
    add();
    claimAt(T0);
    expect(store.claim(2, T0)).toBeNull();
  });

  it('picks the highest priority first, then the oldest', () => {
    const a = add({ priority: 0 });
    const b = add({ priority: 5 });
    const c = add({ priority: 5 });
    const d = add({ priority: -1 });
    const e = add({ priority: 0 });
    const order = [1, 2, 3, 4, 5].map(() => claimAt(T0).job.id);
    expect(order).toEqual([b.id, c.id, a.id, e.id, d.id]);
    expect(store.claim(1, T0)).toBeNull();
  });

  it('breaks ties by insertion order even when an earlier insert has a later timestamp', () => {
    const first = add({ id: 'first' }, T0 + 500);
    const second = add({ id: 'second' }, T0);
    expect(claimAt(T0 + 1000).job.id).toBe(first.id);
    expect(claimAt(T0 + 1000).job.id).toBe(second.id);
  });

  it('never claims a job whose run_at is still in the future', () => {
    add({ id: 'later' }, T0 + 5000);
    expect(store.claim(1, T0 + 4999)).toBeNull();
    expect(job('later').state).toBe('pending');
    expect(claimAt(T0 + 5000).job.id).toBe('later');
  });

  it('skips a future high-priority job for a due low-priority one', () => {
    add({ id: 'urgent-later', priority: 100 }, T0 + 60_000);
    add({ id: 'due', priority: 0 }, T0);
    expect(claimAt(T0 + 1).job.id).toBe('due');
    expect(store.claim(1, T0 + 1)).toBeNull();
  });

  it('numbers the attempts of a job 1, 2, 3 across retries', () => {
    const { id } = add({ max_retries: 5 });
    const numbers: number[] = [];
    for (let i = 0; i < 3; i++) {
      const c = claimAt(T0 + i * 10_000);
      numbers.push(c.attempt);
      store.finish(id, c.attempt, FAILED, T0 + i * 10_000 + 1, noDelay);
    }
    expect(numbers).toEqual([1, 2, 3]);
    expect(store.attempts(id).map((a) => a.number)).toEqual([1, 2, 3]);
  });
});

describe('finish', () => {
  it('completed: job → completed with exit code, worker cleared, attempt closed; no attempt spent', () => {
    const { id } = add();
    const c = claimAt(T0, 3);
    const row = store.finish(id, c.attempt, COMPLETED, T0 + 250, noDelay);
    expect(row).toMatchObject({
      id,
      state: 'completed',
      attempts: 0,
      exit_code: 0,
      last_error: null,
      finished_at: T0 + 250,
      updated_at: T0 + 250,
      started_at: T0,
      worker_id: null,
    });
    expect(job(id).state).toBe('completed');
    expect(store.attempts(id)).toEqual([
      { number: 1, worker_id: 3, started_at: T0, finished_at: T0 + 250, outcome: 'completed', exit_code: 0, signal: null, error: null, log_start: null, last_line: null },
    ]);
    expect(store.claim(1, T0 + 1_000_000)).toBeNull();
  });

  it('failed with max_retries 2: failed, failed, then dead after the 3rd failure, with backoff n = 1, 2', () => {
    const { id } = add({ max_retries: 2 });
    const delay = recordingDelay();

    // Run 1 fails → retry 1 is due after delay(1).
    let c = claimAt(T0);
    let row = store.finish(id, c.attempt, FAILED, T0 + 100, delay.fn);
    expect(row).toMatchObject({ state: 'failed', attempts: 1, run_at: T0 + 100 + 1007, exit_code: 1, last_error: 'exit code 1', worker_id: null });
    expect(delay.asked).toEqual([1]);

    // Not claimable before its backoff ends.
    expect(store.claim(1, T0 + 100 + 1006)).toBeNull();

    // Run 2 fails → retry 2 after delay(2).
    const t2 = T0 + 100 + 1007;
    c = claimAt(t2);
    expect(c.attempt).toBe(2);
    row = store.finish(id, c.attempt, FAILED, t2 + 50, delay.fn);
    expect(row).toMatchObject({ state: 'failed', attempts: 2, run_at: t2 + 50 + 2007 });
    expect(delay.asked).toEqual([1, 2]);

    // Run 3 fails → no retries left: dead, run_at untouched.
    const t3 = t2 + 50 + 2007;
    c = claimAt(t3);
    expect(c.attempt).toBe(3);
    row = store.finish(id, c.attempt, { outcome: 'failed', exitCode: 3, signal: null, error: 'exit code 3' }, t3 + 5, delay.fn);
    expect(row).toMatchObject({ state: 'dead', attempts: 3, run_at: t3, exit_code: 3, last_error: 'exit code 3', finished_at: t3 + 5 });
    expect(job(id).state).toBe('dead');
    expect(store.attempts(id).map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed']);
    expect(store.claim(1, t3 + 10_000_000)).toBeNull();
  });

  it('max_retries 0: the first failure is final', () => {
    const { id } = add({ max_retries: 0 });
    const c = claimAt(T0);
    expect(store.finish(id, c.attempt, FAILED, T0 + 1, noDelay)).toMatchObject({ state: 'dead', attempts: 1 });
  });

  it('timed_out and crashed spend an attempt like failed, and are recorded on the attempt', () => {
    const { id } = add({ max_retries: 1 });
    let c = claimAt(T0);
    const timedOut: RunResult = { outcome: 'timed_out', exitCode: null, signal: 'SIGKILL', error: 'timed out after 5s' };
    expect(store.finish(id, c.attempt, timedOut, T0 + 1, noDelay)).toMatchObject({ state: 'failed', attempts: 1, exit_code: null });
    c = claimAt(T0 + 1);
    const crashed: RunResult = { outcome: 'crashed', exitCode: null, signal: null, error: 'worker died' };
    expect(store.finish(id, c.attempt, crashed, T0 + 2, noDelay)).toMatchObject({ state: 'dead', attempts: 2, last_error: 'worker died' });
    expect(store.attempts(id).map((a) => [a.outcome, a.signal])).toEqual([
      ['timed_out', 'SIGKILL'],
      ['crashed', null],
    ]);
  });

  it('a failed job that later succeeds completes and keeps its attempt count', () => {
    const { id } = add({ max_retries: 3 });
    let c = claimAt(T0);
    store.finish(id, c.attempt, FAILED, T0, noDelay);
    c = claimAt(T0);
    expect(store.finish(id, c.attempt, COMPLETED, T0 + 1, noDelay)).toMatchObject({ state: 'completed', attempts: 1, last_error: null, exit_code: 0 });
  });

  it('requeued: processing → pending due now, no attempt spent, the next run is attempt 2', () => {
    const { id } = add({ max_retries: 0 });
    const c = claimAt(T0, 2);
    const row = store.finish(id, c.attempt, REQUEUED, T0 + 30, noDelay);
    expect(row).toMatchObject({ state: 'pending', attempts: 0, run_at: T0 + 30, worker_id: null, last_error: 'requeued by a graceful stop' });
    expect(store.attempts(id)[0]).toMatchObject({ number: 1, outcome: 'requeued', finished_at: T0 + 30, signal: 'SIGTERM' });
    const again = claimAt(T0 + 30);
    expect(again.attempt).toBe(2);
    // max_retries 0 and a requeue: a real failure now is still the first one.
    expect(store.finish(id, again.attempt, FAILED, T0 + 40, noDelay)).toMatchObject({ state: 'dead', attempts: 1 });
  });

  it('on a job canceled meanwhile: the job stays canceled and the attempt keeps its canceled outcome', () => {
    const { id } = add();
    const c = claimAt(T0);
    expect(store.cancel(id, T0 + 5)).toMatchObject({ state: 'canceled' });
    expect(store.finish(id, c.attempt, COMPLETED, T0 + 9, noDelay)).toBeNull();
    expect(job(id)).toMatchObject({ state: 'canceled', finished_at: T0 + 5, exit_code: null });
    expect(store.attempts(id)[0]).toMatchObject({ outcome: 'canceled', finished_at: T0 + 5 });
  });

  it('a failure report for a job canceled meanwhile spends no attempt and schedules nothing', () => {
    const { id } = add();
    const c = claimAt(T0);
    store.cancel(id, T0 + 5);
    expect(store.finish(id, c.attempt, FAILED, T0 + 9, noDelay)).toBeNull();
    expect(job(id)).toMatchObject({ state: 'canceled', attempts: 0 });
    expect(store.claim(1, T0 + 1_000_000)).toBeNull();
  });
});

describe('cancel', () => {
  it('cancels a pending job', () => {
    const { id } = add();
    expect(store.cancel(id, T0 + 1)).toMatchObject({ state: 'canceled', finished_at: T0 + 1, last_error: 'canceled by the user' });
    expect(store.claim(1, T0 + 10)).toBeNull();
  });

  it('cancels a failed job waiting for its retry', () => {
    const { id } = add();
    const c = claimAt(T0);
    store.finish(id, c.attempt, FAILED, T0, noDelay);
    expect(job(id).state).toBe('failed');
    expect(store.cancel(id, T0 + 1)?.state).toBe('canceled');
    expect(store.claim(1, T0 + 10_000)).toBeNull();
  });

  it('cancels a processing job and closes its running attempt as canceled', () => {
    const { id } = add();
    claimAt(T0);
    expect(store.cancel(id, T0 + 3)?.state).toBe('canceled');
    expect(store.attempts(id)).toEqual([
      expect.objectContaining({ outcome: 'canceled', finished_at: T0 + 3, error: 'canceled by the user' }),
    ]);
  });

  it('a canceled running job no longer names a worker (worker_id is only set while processing)', () => {
    const { id } = add();
    claimAt(T0, 3);
    expect(store.cancel(id, T0 + 3)).toMatchObject({ state: 'canceled', worker_id: null });
    expect(job(id).worker_id).toBeNull();
  });

  it('refuses completed, dead and canceled jobs, leaving them unchanged', () => {
    const done = add({ id: 'done' });
    let c = claimAt(T0);
    store.finish(done.id, c.attempt, COMPLETED, T0, noDelay);

    add({ id: 'gone', max_retries: 0 });
    c = claimAt(T0);
    store.finish('gone', c.attempt, FAILED, T0, noDelay);

    add({ id: 'stopped' });
    store.cancel('stopped', T0 + 1);

    for (const id of ['done', 'gone', 'stopped']) {
      const before = job(id);
      expect(store.cancel(id, T0 + 99), id).toBeNull();
      expect(job(id)).toEqual(before);
    }
    expect([job('done').state, job('gone').state, job('stopped').state]).toEqual(['completed', 'dead', 'canceled']);
  });

  it('returns null for an unknown id', () => {
    expect(store.cancel('nope', T0)).toBeNull();
  });
});

describe('retryDead / retryAllDead', () => {
  function makeDead(id: string, now = T0): void {
    add({ id, max_retries: 1 }, now);
    for (let i = 0; i < 2; i++) {
      const c = store.claim(1, now + 1_000_000);
      if (!c || c.job.id !== id) throw new Error('setup: wrong job claimed');
      store.finish(id, c.attempt, FAILED, now, noDelay);
    }
    if (job(id).state !== 'dead') throw new Error('setup: job not dead');
  }

  it('retryDead puts a dead job back to pending with attempts 0, due now, and it can run again', () => {
    makeDead('d1');
    expect(job('d1').attempts).toBe(2);
    expect(store.retryDead('d1', T0 + 500)).toMatchObject({ id: 'd1', state: 'pending', attempts: 0, run_at: T0 + 500, updated_at: T0 + 500 });
    const c = claimAt(T0 + 500);
    expect(c.job.id).toBe('d1');
    expect(c.attempt).toBe(3); // the history of runs is kept
  });

  it('retryDead refuses a job that is not dead', () => {
    add({ id: 'p' });
    expect(store.retryDead('p', T0 + 1)).toBeNull();
    expect(job('p')).toMatchObject({ state: 'pending', updated_at: T0 });
    expect(store.retryDead('missing', T0)).toBeNull();
  });

  it('retryAllDead revives every dead job and nothing else', () => {
    makeDead('d1');
    makeDead('d2');
    add({ id: 'waiting' });
    const revived = store.retryAllDead(T0 + 7);
    expect(revived.map((r) => r.id).sort()).toEqual(['d1', 'd2']);
    for (const r of revived) expect(r).toMatchObject({ state: 'pending', attempts: 0, run_at: T0 + 7 });
    expect(job('waiting').updated_at).toBe(T0);
    expect(store.counts()).toMatchObject({ pending: 3, dead: 0 });
  });

  it('retryAllDead with no dead jobs returns an empty list', () => {
    add();
    expect(store.retryAllDead(T0)).toEqual([]);
  });
});

describe('recover', () => {
  it('moves processing jobs on with an interrupted attempt: failed with backoff, or dead with no retries left', () => {
    const retryable = add({ id: 'retryable', max_retries: 2 });
    const last = add({ id: 'last', max_retries: 0 });
    add({ id: 'idle' });
    const c1 = claimAt(T0, 1);
    const c2 = claimAt(T0, 2);
    expect([c1.job.id, c2.job.id]).toEqual([retryable.id, last.id]);

    const delay = recordingDelay();
    const { jobs } = store.recover(T0 + 60_000, delay.fn);

    expect(jobs.map((j) => [j.id, j.state, j.attempts]).sort()).toEqual([
      ['last', 'dead', 1],
      ['retryable', 'failed', 1],
    ]);
    expect(job('retryable')).toMatchObject({
      state: 'failed',
      run_at: T0 + 60_000 + 1007,
      worker_id: null,
      finished_at: T0 + 60_000,
      exit_code: null,
    });
    expect(job('retryable').last_error).toMatch(/interrupted/);
    expect(job('last')).toMatchObject({ state: 'dead', run_at: T0 });
    expect(delay.asked).toContain(1);
    for (const id of ['retryable', 'last']) {
      expect(store.attempts(id)).toEqual([expect.objectContaining({ number: 1, outcome: 'interrupted', finished_at: T0 + 60_000 })]);
    }
    expect(job('idle').state).toBe('pending');
    expect(store.counts().processing).toBe(0);
  });

  it('counts earlier failures when choosing between failed and dead', () => {
    const { id } = add({ max_retries: 1 });
    const delay = recordingDelay();
    let c = claimAt(T0);
    store.finish(id, c.attempt, FAILED, T0, noDelay);
    c = claimAt(T0 + 10_000);
    const { jobs } = store.recover(T0 + 20_000, delay.fn);
    expect(jobs).toEqual([expect.objectContaining({ id, state: 'dead', attempts: 2 })]);
    expect(store.attempts(id).map((a) => a.outcome)).toEqual(['failed', 'interrupted']);
  });

  it('asks for the backoff of retry n = failures so far + 1', () => {
    const { id } = add({ max_retries: 5 });
    let c = claimAt(T0);
    store.finish(id, c.attempt, FAILED, T0, noDelay);
    c = claimAt(T0);
    store.finish(id, c.attempt, FAILED, T0, noDelay);
    claimAt(T0);
    const delay = recordingDelay();
    store.recover(T0 + 1, delay.fn);
    expect(job(id)).toMatchObject({ state: 'failed', attempts: 3, run_at: T0 + 1 + 3007 });
    expect(delay.asked).toEqual([3]);
  });

  it('returns the runs that were still open with their recorded process groups and markers, and only those', () => {
    add({ id: 'a' });
    add({ id: 'b' });
    add({ id: 'c' });
    add({ id: 'd' });
    add({ id: 'e' });
    const ca = claimAt(T0);
    const cb = claimAt(T0);
    const cc = claimAt(T0);
    claimAt(T0); // d: running, but neither pgid nor marker recorded: nothing to kill
    const ce = store.claim(1, T0, [], () => ({ logStart: 12, marker: 'feed' }))!; // e: its marker, recorded at the claim
    expect(ce).toMatchObject({ attempt: 1, beginning: { logStart: 12, marker: 'feed' } });
    store.recordPgid('a', ca.attempt, 4242, 'boot:1');
    store.recordPgid('b', cb.attempt, 4343, null);
    store.recordPgid('c', cc.attempt, 4444, 'boot:3');
    store.finish('c', cc.attempt, COMPLETED, T0 + 1, noDelay); // c's run is over: its group is not an orphan

    const { orphanRuns, jobs } = store.recover(T0 + 2, noDelay);
    expect([...orphanRuns].sort((x, y) => x.jobId.localeCompare(y.jobId))).toEqual([
      { jobId: 'a', attempt: 1, pgid: 4242, identity: 'boot:1', marker: null },
      { jobId: 'b', attempt: 1, pgid: 4343, identity: null, marker: null },
      { jobId: 'e', attempt: 1, pgid: null, identity: null, marker: 'feed' },
    ]);
    expect(jobs.map((j) => j.id).sort()).toEqual(['a', 'b', 'd', 'e']);
    expect(job('c').state).toBe('completed');
  });

  it('does nothing on a clean database, and a second recover finds nothing more', () => {
    expect(store.recover(T0, noDelay)).toEqual({ jobs: [], orphanRuns: [] });
    add();
    const c = claimAt(T0);
    store.recordPgid(c.job.id, c.attempt, 99, 'boot:99');
    expect(store.recover(T0 + 1, noDelay).orphanRuns).toEqual([{ jobId: c.job.id, attempt: 1, pgid: 99, identity: 'boot:99', marker: null }]);
    expect(store.recover(T0 + 2, noDelay)).toEqual({ jobs: [], orphanRuns: [] });
  });

  it('survives a real restart: state written before close is recovered after reopening', () => {
    add({ id: 'crashy', max_retries: 1 });
    const c = claimAt(T0);
    store.recordPgid('crashy', c.attempt, 777, 'boot:777');
    db.close();
    db = openDatabase(dbPath);
    store = createStore(db);
    const { jobs, orphanRuns } = store.recover(T0 + 5, noDelay);
    expect(orphanRuns).toEqual([{ jobId: 'crashy', attempt: 1, pgid: 777, identity: 'boot:777', marker: null }]);
    expect(jobs).toEqual([expect.objectContaining({ id: 'crashy', state: 'failed', attempts: 1, run_at: T0 + 5 })]);
  });
});

describe('resolveId', () => {
  beforeEach(() => {
    add({ id: 'abc123' });
    add({ id: 'abc456' });
    add({ id: 'xyz789' });
    add({ id: 'job' });
    add({ id: 'job2' });
  });

  it('returns an exact id', () => {
    expect(store.resolveId('abc123')).toBe('abc123');
  });

  it('prefers an exact id over a longer id it is a prefix of', () => {
    expect(store.resolveId('job')).toBe('job');
    expect(store.resolveId('job2')).toBe('job2');
  });

  it('expands a unique prefix', () => {
    expect(store.resolveId('x')).toBe('xyz789');
    expect(store.resolveId('abc4')).toBe('abc456');
  });

  it('refuses a prefix shared by several jobs with AMBIGUOUS_ID naming the matches', () => {
    expect(errorCode(() => store.resolveId('abc'))).toBe('AMBIGUOUS_ID');
    try {
      store.resolveId('abc');
    } catch (e) {
      expect((e as QueueError).details).toMatchObject({ id: 'abc', matches: ['abc123', 'abc456'] });
      expect((e as QueueError).message).toContain('abc123');
    }
  });

  it('lists at most 5 matches for a very ambiguous prefix', () => {
    for (let i = 0; i < 8; i++) add({ id: `many${i}` });
    try {
      store.resolveId('many');
      expect.unreachable();
    } catch (e) {
      expect((e as QueueError).code).toBe('AMBIGUOUS_ID');
      expect((e as QueueError).details.matches).toHaveLength(5);
      expect((e as QueueError).message).toContain('…');
    }
  });

  it('refuses an unknown id or prefix with JOB_NOT_FOUND', () => {
    expect(errorCode(() => store.resolveId('nope'))).toBe('JOB_NOT_FOUND');
    expect(errorCode(() => store.resolveId('abc1234'))).toBe('JOB_NOT_FOUND');
  });

  it('is case-sensitive', () => {
    expect(errorCode(() => store.resolveId('ABC123'))).toBe('JOB_NOT_FOUND');
  });

  it('does not treat SQL wildcard characters as wildcards', () => {
    expect(errorCode(() => store.resolveId('%'))).toBe('JOB_NOT_FOUND');
    expect(errorCode(() => store.resolveId('ab_'))).toBe('JOB_NOT_FOUND');
  });

  it('refuses the empty string with INVALID_ARGUMENT', () => {
    expect(errorCode(() => store.resolveId(''))).toBe('INVALID_ARGUMENT');
  });
});

describe('counts', () => {
  it('reports every state, zero when empty', () => {
    expect(store.counts()).toEqual({ pending: 0, processing: 0, completed: 0, failed: 0, dead: 0, canceled: 0 });
  });

  it('counts jobs per state', () => {
    for (let i = 0; i < 6; i++) add({ id: `j${i}`, max_retries: i === 2 ? 0 : 1 });
    let c = claimAt(T0); // j0
    store.finish(c.job.id, c.attempt, COMPLETED, T0, noDelay);
    c = claimAt(T0); // j1
    store.finish(c.job.id, c.attempt, FAILED, T0, () => 60_000);
    c = claimAt(T0); // j2
    store.finish(c.job.id, c.attempt, FAILED, T0, noDelay);
    claimAt(T0); // j3
    store.cancel('j4', T0);
    expect(store.counts()).toEqual({ pending: 1, processing: 1, completed: 1, failed: 1, dead: 1, canceled: 1 });
  });
});

describe('state counters', () => {
  const counted = () => {
    const out: Record<string, number> = { pending: 0, processing: 0, completed: 0, failed: 0, dead: 0, canceled: 0 };
    for (const r of db.prepare('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as Array<{ state: string; n: number }>) out[r.state] = r.n;
    return out;
  };

  it('stay equal to a full count through a random mix of every transition', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const outcomes = [COMPLETED, FAILED, REQUEUED];
    for (let step = 0; step < 400; step++) {
      const now = T0 + step;
      const roll = random();
      if (roll < 0.3) add({ max_retries: Math.floor(random() * 3) }, now);
      else if (roll < 0.55) store.claim(1, now + 1_000_000);
      else if (roll < 0.8) {
        const running = db.prepare(`SELECT a.job_id AS id, a.number AS n FROM attempts a WHERE a.outcome = 'running' LIMIT 1`).get() as { id: string; n: number } | undefined;
        if (running) store.finish(running.id, running.n, outcomes[Math.floor(random() * 3)]!, now, noDelay);
      } else if (roll < 0.9) {
        const any = db.prepare(`SELECT id FROM jobs WHERE state IN ('pending','failed','processing') LIMIT 1`).get() as { id: string } | undefined;
        if (any) store.cancel(any.id, now);
      } else store.retryAllDead(now);
      expect(store.counts()).toEqual(counted());
    }
    store.recover(T0 + 500, noDelay);
    expect(store.counts()).toEqual(counted());
    expect(Object.values(store.counts()).reduce((a, b) => a + b, 0)).toBeGreaterThan(50);
  });

  it('are built from existing rows when the migration adds them to an older database', () => {
    db.close();
    rmSync(dbPath, { force: true });
    const v1 = new Database(dbPath);
    v1.exec(MIGRATIONS[0]!);
    v1.pragma('user_version = 1');
    const insert = v1.prepare(`INSERT INTO jobs (id, command, state, max_retries, run_at, created_at, updated_at) VALUES (?, 'true', ?, 1, 0, 0, 0)`);
    for (let i = 0; i < 4; i++) insert.run(`old${i}`, 'pending');
    insert.run('old4', 'canceled');
    v1.close();
    db = openDatabase(dbPath);
    store = createStore(db);
    expect(store.counts()).toEqual({ pending: 4, processing: 0, completed: 0, failed: 0, dead: 0, canceled: 1 });
  });
});

describe('nextRunAt', () => {
  it('is null when no job waits', () => {
    expect(store.nextRunAt(T0)).toBeNull();
    add();
    const c = claimAt(T0);
    expect(store.nextRunAt(T0)).toBeNull(); // processing does not wait
    store.finish(c.job.id, c.attempt, COMPLETED, T0, noDelay);
    expect(store.nextRunAt(T0)).toBeNull();
  });

  it('is the earliest run_at among pending and failed jobs', () => {
    add({ id: 'late' }, T0 + 9000);
    add({ id: 'early' }, T0 + 3000);
    expect(store.nextRunAt(T0)).toBe(T0 + 3000);

    // A failed job's retry time counts too.
    add({ id: 'retry' }, T0);
    const c = claimAt(T0);
    expect(c.job.id).toBe('retry');
    store.finish('retry', c.attempt, FAILED, T0, () => 1000);
    expect(store.nextRunAt(T0)).toBe(T0 + 1000);

    store.cancel('retry', T0);
    expect(store.nextRunAt(T0)).toBe(T0 + 3000);
  });

  it('ignores dead jobs', () => {
    add({ id: 'x', max_retries: 0 });
    const c = claimAt(T0);
    store.finish('x', c.attempt, FAILED, T0, noDelay);
    expect(store.nextRunAt(T0)).toBeNull();
  });
});

describe('list', () => {
  it('lists newest first, optionally by state, up to the limit', () => {
    add({ id: 'a' });
    add({ id: 'b' });
    add({ id: 'c' });
    store.cancel('b', T0);
    const page = (state: JobRow['state'] | undefined, limit: number) =>
      store.listJobs({ state, sort: 'created', order: 'desc', offset: 0, limit }).map((r) => r.id);
    expect(page(undefined, 10)).toEqual(['c', 'b', 'a']);
    expect(page(undefined, 2)).toEqual(['c', 'b']);
    expect(page('pending', 10)).toEqual(['c', 'a']);
    expect(page('canceled', 10)).toEqual(['b']);
  });
});

describe('openDatabase and migrate', () => {
  it('sets WAL, synchronous FULL and foreign keys, and the schema version', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
  });

  it('is idempotent: reopening keeps the version and the data', () => {
    add({ id: 'keep' });
    db.close();
    db = openDatabase(dbPath);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
    db = openDatabase(dbPath);
    store = createStore(db);
    expect(store.getJob('keep')).toMatchObject({ id: 'keep', state: 'pending' });
    expect(store.counts().pending).toBe(1);
  });

  it('refuses a database from a newer queuectl and leaves its version alone', () => {
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openDatabase(dbPath)).toThrow(/newer than this queuectl understands/);
    // The refusal changed nothing.
    expect(readUserVersion(dbPath)).toBe(MIGRATIONS.length + 1);
  });

  it('deleting a job removes its attempts (foreign key cascade)', () => {
    const { id } = add();
    claimAt(T0);
    db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
    expect(store.attempts(id)).toEqual([]);
  });
});

/** Reads user_version without migrating. */
function readUserVersion(path: string): number {
  const raw = new Database(path, { readonly: true });
  try {
    return raw.pragma('user_version', { simple: true }) as number;
  } finally {
    raw.close();
  }
}

describe('process identity (pid reuse guard for start-up recovery)', () => {
  it('names a live process by boot id and start time, the same each time, and differs between processes', async () => {
    const { processIdentity } = await import('../../electron/engine/worker/process-identity.js');
    const self = processIdentity(process.pid);
    expect(self).toMatch(/^[0-9a-f-]{36}:\d+$/);
    expect(processIdentity(process.pid)).toBe(self);
    expect(processIdentity(1)).not.toBe(self);
    expect(processIdentity(2 ** 22 + 12345)).toBeNull();
  });
});
