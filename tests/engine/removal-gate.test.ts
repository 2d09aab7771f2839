import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobState } from '../../protocol/index.js';
import { Settings } from '../../electron/engine/config/settings.js';
import type { EngineContext } from '../../electron/engine/context.js';
import { JobLogs } from '../../electron/engine/logs/job-logs.js';
import { Retention } from '../../electron/engine/retention.js';
import { dlqPurge } from '../../electron/engine/rpc/handlers/dlq-purge.js';
import { enqueue } from '../../electron/engine/rpc/handlers/enqueue.js';
import { enqueueBatch } from '../../electron/engine/rpc/handlers/enqueue-batch.js';
import { jobRemove } from '../../electron/engine/rpc/handlers/job-remove.js';
import { jobsBulk } from '../../electron/engine/rpc/handlers/jobs-bulk.js';
import { jobsClean } from '../../electron/engine/rpc/handlers/jobs-clean.js';
import type { Session } from '../../electron/engine/rpc/session.js';
import type { StoreApi } from '../../electron/engine/store/api.js';
import { openDatabase } from '../../electron/engine/store/open.js';
import { logPathFor } from '../../electron/engine/store/rows.js';
import { sqliteStore } from '../../electron/engine/store/sqlite/index.js';
import { StorageLostError, StoreUnavailableError } from '../../electron/engine/store/storage-error.js';
import { queueErrorOfAsync } from '../helpers/queue-error.js';

/**
 * Removing jobs and re-using their ids at once, over a real SQLite store whose answers the test holds back (as
 * a server store's come well after its commit): whichever comes second waits for the first, so a new job's log
 * is never the old one and never deleted by the removal. Also what a clean cut short by the store says.
 */

/** Store calls the test watches: the writes that store or delete jobs. */
type Write = 'enqueue' | 'enqueueMany' | 'remove' | 'bulk' | 'purgeDead' | 'cleanBatch';
const WRITES: readonly Write[] = ['enqueue', 'enqueueMany', 'remove', 'bulk', 'purgeDead', 'cleanBatch'];

let dir: string;
let logsDir: string;
let db: Database.Database;
let store: StoreApi;
let settings: Settings;
let logged: string[];
/** The watched writes, in the order they reached the store. */
let calls: Write[];
let ctx: EngineContext;
const path = (id: string) => logPathFor(logsDir, id);
const session = { push: () => undefined } as unknown as Session;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qctl-gate-'));
  logsDir = join(dir, 'logs');
  mkdirSync(logsDir);
  db = openDatabase(join(dir, 'queue.db'));
  store = sqliteStore(db);
  calls = [];
  for (const write of WRITES) {
    const real = store[write] as (...args: unknown[]) => Promise<unknown>;
    (store as unknown as Record<Write, unknown>)[write] = (...args: unknown[]) => {
      calls.push(write);
      return real(...args);
    };
  }
  logged = [];
  settings = await Settings.load(store, (m) => logged.push(m));
  ctx = {
    store,
    settings,
    jobLogs: new JobLogs({ dir: logsDir, running: () => [], log: (m) => logged.push(m) }),
    paths: { logs: logsDir },
    pool: { running: () => [] },
    changed: () => undefined,
    changedMany: () => undefined,
    stopping: () => false,
    log: (m: string) => logged.push(m),
  } as unknown as EngineContext;
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Stores a finished job directly (finished long ago), with one run and its log. */
function addFinished(id: string, state: JobState): void {
  db.prepare(`INSERT INTO jobs (id, command, state, max_retries, run_at, created_at, updated_at, finished_at) VALUES (?, 'true', ?, 3, 0, 0, 1, 1)`).run(id, state);
  db.prepare(`INSERT INTO attempts (job_id, number, started_at, finished_at, outcome) VALUES (?, 1, 0, 1, 'completed')`).run(id);
  writeFileSync(path(id), `old log of ${id}\n`);
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

interface Held {
  /** Resolves when the call arrives. */
  called: Promise<void>;
  release(): void;
}

/**
 * Holds the next call of `write`: `answer`, it runs (commits) at once and its answer, or error, waits for
 * release(); `call`, it reaches the store only on release() (a slow round trip before the statement).
 */
function hold(write: Write, what: 'answer' | 'call'): Held {
  const slot = store as unknown as Record<Write, (...args: unknown[]) => Promise<unknown>>;
  const real = slot[write];
  const called = deferred();
  const released = deferred();
  slot[write] = async (...args: unknown[]) => {
    slot[write] = real;
    called.resolve();
    if (what === 'call') await released.promise;
    const outcome = await real(...args).then((value) => ({ value }), (error: unknown) => ({ error }));
    await released.promise;
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  };
  return { called: called.promise, release: released.resolve };
}

/** Lets every call go as far as it can without the held answers. */
async function turns(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** What the new job's run does first: appends to its log. */
const run = (id: string) => appendFileSync(path(id), `new job ${id}\n`);

interface RemovalPath {
  name: string;
  /** The store call that commits the removal. */
  write: Write;
  /** The state the old job of the id is in, for this path to delete it. */
  state: JobState;
  start(): Promise<unknown>;
}

const REMOVALS: RemovalPath[] = [
  { name: 'job.remove', write: 'remove', state: 'completed', start: () => jobRemove(ctx, { ids: ['x'] }) },
  { name: 'jobs.bulk remove, named', write: 'bulk', state: 'canceled', start: () => jobsBulk(ctx, { action: 'remove', ids: ['x'] }) },
  { name: 'jobs.bulk remove, by filter', write: 'bulk', state: 'completed', start: () => jobsBulk(ctx, { action: 'remove', state: 'completed' }) },
  { name: 'dlq.purge', write: 'purgeDead', state: 'dead', start: () => dlqPurge(ctx, {}) },
  { name: 'jobs.clean', write: 'cleanBatch', state: 'completed', start: () => jobsClean(ctx, {}) },
  {
    name: 'retention',
    write: 'cleanBatch',
    state: 'completed',
    start: async () => {
      await settings.set('retention_days', 1);
      const retention = new Retention(ctx);
      await retention.run();
      retention.stop();
    },
  },
];

const ENQUEUES = [
  { name: 'enqueue', write: 'enqueue' as Write, start: () => enqueue(ctx, { job: { id: 'x', command: 'true' } }) },
  { name: 'enqueue.batch', write: 'enqueueMany' as Write, start: () => enqueueBatch(ctx, { jobs: [{ command: 'true' }, { id: 'x', command: 'true' }] }, session) },
];

describe('a removal and an enqueue of the same chosen id at once', () => {
  describe.each(REMOVALS)('$name', (removal) => {
    it.each(ENQUEUES)('an $name of the id during the removal\'s answer waits for it, and its new log survives the removal', async (adding) => {
      addFinished('x', removal.state);
      const answer = hold(removal.write, 'answer');
      const removing = removal.start();
      await answer.called; // committed: the old job is gone, its answer not back yet
      const enqueuing = adding.start();
      await turns();
      // Before the fix the enqueue committed here, keeping the old log and losing its own to the removal.
      expect(calls).toEqual([removal.write]);
      answer.release();
      await enqueuing;
      expect(calls.slice(0, 2)).toEqual([removal.write, adding.write]);
      expect(existsSync(path('x'))).toBe(false); // the old log went before the new job was stored
      run('x');
      await removing;
      expect(readFileSync(path('x'), 'utf8')).toBe('new job x\n');
      expect(await store.getJob('x')).toMatchObject({ state: 'pending' });
    });
  });

  it('a removal arriving while an enqueue of the id is on its way to the store waits for it', async () => {
    addFinished('x', 'completed');
    const insert = hold('enqueue', 'call');
    const enqueuing = queueErrorOfAsync(() => enqueue(ctx, { job: { id: 'x', command: 'true' } }));
    await insert.called;
    const removing = jobRemove(ctx, { ids: ['x'] });
    await turns();
    // Before the fix the removal committed here: the insert then landed after it, and the new job's log went.
    expect(calls).toEqual([]);
    insert.release();
    expect((await enqueuing).code).toBe('DUPLICATE_ID'); // the old job was still there
    expect(await removing).toEqual({ removed: ['x'] });
    expect(calls).toEqual(['enqueue', 'remove']);
    expect(existsSync(path('x'))).toBe(false);
  });

  it('holds neither an enqueue of another id nor one without a chosen id', async () => {
    addFinished('x', 'completed');
    const answer = hold('remove', 'answer');
    const removing = jobRemove(ctx, { ids: ['x'] });
    await answer.called;
    const others = Promise.all([enqueue(ctx, { job: { id: 'y', command: 'true' } }), enqueue(ctx, { job: { command: 'true' } })]);
    await turns();
    expect(calls).toEqual(['remove', 'enqueue', 'enqueue']);
    answer.release();
    await Promise.all([others, removing]);
  });
});

describe('a clean cut short by the store says how many it deleted, then the store\'s reason', () => {
  /** The second batch (after the first deleted all three jobs) fails with `fault`. */
  async function cleanFailingWith(fault: Error): Promise<{ code: string; message: string; details: unknown }> {
    for (const id of ['a', 'b', 'c']) addFinished(id, 'completed');
    const real = store.cleanBatch;
    let batches = 0;
    store.cleanBatch = async (...args) => {
      if (batches++ === 1) throw fault;
      return await real(...args);
    };
    return await queueErrorOfAsync(() => jobsClean(ctx, {}));
  }

  it('an unreachable server: no "nothing was changed" about a clean that deleted jobs', async () => {
    const err = await cleanFailingWith(new StoreUnavailableError('cannot reach db.example: connection refused', 'unchanged'));
    expect(err.code).toBe('STORAGE_ERROR');
    expect(err.message).toBe(
      'the store became unavailable (cannot reach db.example: connection refused) after 3 jobs were deleted; the rest were kept. Run clean again once the database answers',
    );
    expect(err.details).toEqual({ count: 3 });
  });

  it('a connection lost during a batch\'s commit: that batch may have been deleted or not', async () => {
    const err = await cleanFailingWith(new StoreUnavailableError('the connection to db.example was reset', 'unknown'));
    expect(err.message).toBe(
      'the store became unavailable (the connection to db.example was reset) after 3 jobs were deleted; the batch being committed then may have been deleted or not, the rest were kept. Run clean again once the database answers',
    );
  });

  it('the database file replaced under the daemon', async () => {
    const err = await cleanFailingWith(new StorageLostError('the database file /q/queue.db was removed or replaced'));
    expect(err.message).toBe(
      'the database file /q/queue.db was removed or replaced under the running daemon after 3 jobs were deleted; the rest were kept. This daemon accepts no more work: restart it (queuectl worker stop, then queuectl worker start), then run clean again',
    );
    expect(err.message).not.toMatch(/nothing was changed/);
  });

  it('retention logs the store\'s reason the same way', async () => {
    addFinished('old', 'completed');
    store.cleanBatch = async () => {
      throw new StoreUnavailableError('cannot reach db.example: connection refused', 'unchanged');
    };
    await settings.set('retention_days', 1);
    const retention = new Retention(ctx);
    await retention.run();
    retention.stop();
    expect(logged).toEqual(['retention: the store became unavailable (cannot reach db.example: connection refused); the next run tries again']);
  });
});
