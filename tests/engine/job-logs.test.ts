import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineContext } from '../../electron/engine/context.js';
import { JobLogs, type RunningLog } from '../../electron/engine/logs/job-logs.js';
import { enqueue } from '../../electron/engine/rpc/handlers/enqueue.js';
import { enqueueBatch } from '../../electron/engine/rpc/handlers/enqueue-batch.js';
import { jobRemove } from '../../electron/engine/rpc/handlers/job-remove.js';
import { jobRetry } from '../../electron/engine/rpc/handlers/job-retry.js';
import { logs } from '../../electron/engine/rpc/handlers/logs.js';
import { createStore, type Store } from '../../electron/engine/store/index.js';
import { openDatabase } from '../../electron/engine/store/open.js';
import { sqliteStore } from '../../electron/engine/store/sqlite/index.js';
import { logPathFor } from '../../electron/engine/store/rows.js';
import { runHeader } from '../../electron/engine/logs/notes.js';
import { Settings } from '../../electron/engine/config/settings.js';
import { queueErrorOfAsync } from '../helpers/queue-error.js';

let dir: string;
let logsDir: string;
let runs: Array<RunningLog & { attempt: number }>;
let cap: number;
let logged: string[];
let jobLogs: JobLogs;
const path = (id: string) => logPathFor(logsDir, id);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qctl-joblogs-'));
  logsDir = join(dir, 'logs');
  mkdirSync(logsDir);
  runs = [];
  cap = 4096;
  logged = [];
  jobLogs = new JobLogs({ dir: logsDir, running: () => runs, log: (m) => logged.push(m) });
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('JobLogs: deleting the logs of removed jobs', () => {
  it('deletes them all and resolves once they are gone; missing ones are fine', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `j${i}`);
    for (const id of ids.slice(0, 90)) writeFileSync(path(id), `log of ${id}\n`);
    await jobLogs.deleteLogs(ids);
    expect(ids.filter((id) => existsSync(path(id)))).toEqual([]);
    expect(logged).toEqual([]);
  });

  it('a queued id that is enqueued again has its old log deleted at once; the deleter then leaves the new log alone', async () => {
    const ids = [...Array.from({ length: 300 }, (_, i) => `j${i}`), 'x'];
    for (const id of ids) writeFileSync(path(id), `old log of ${id}\n`);
    const deleting = jobLogs.deleteLogs(ids);
    // Synchronous: x is still queued (the deleter works on the first ids), so its old log goes now.
    const stored = jobLogs.beforeEnqueue(['x'], () => {
      expect(existsSync(path('x'))).toBe(false);
      writeFileSync(path('x'), 'new job x\n');
      return 'stored';
    });
    expect(stored).toBe('stored');
    await deleting;
    expect(readFileSync(path('x'), 'utf8')).toBe('new job x\n');
    expect(ids.filter((id) => id !== 'x' && existsSync(path(id)))).toEqual([]);
  });

  it('an unlink already under way is waited for before the new job is stored', async () => {
    writeFileSync(path('y'), 'old log of y\n');
    const deleting = jobLogs.deleteLogs(['y']); // its lane starts the unlink at once
    let storedAt = -1;
    const stored = jobLogs.beforeEnqueue(['y'], () => {
      storedAt = Date.now();
      expect(existsSync(path('y'))).toBe(false);
      writeFileSync(path('y'), 'new job y\n');
      return 'stored';
    });
    expect(stored).toBeInstanceOf(Promise);
    expect(storedAt).toBe(-1);
    expect(await stored).toBe('stored');
    await deleting;
    expect(readFileSync(path('y'), 'utf8')).toBe('new job y\n');
  });

  it('ids that are not queued are stored at once and their files left alone', () => {
    writeFileSync(path('z'), 'belongs to a job\n');
    expect(jobLogs.beforeEnqueue(['z'], () => 1)).toBe(1);
    expect(existsSync(path('z'))).toBe(true);
  });

  it('tells watchers when a log is deleted, until they stop watching', async () => {
    const heard: string[] = [];
    const stop = jobLogs.watch('w', () => heard.push('w'));
    jobLogs.watch('other', () => heard.push('other'));
    writeFileSync(path('w'), 'something\n');
    await jobLogs.deleteLogs(['w']);
    expect(existsSync(path('w'))).toBe(false);
    expect(heard).toEqual(['w']);
    stop();
    writeFileSync(path('w'), 'a new job of that id\n');
    await jobLogs.deleteLogs(['w']);
    expect(heard).toEqual(['w']);
    expect(logged).toEqual([]);
  });
});

describe('JobLogs: how far a log is settled', () => {
  it('up to the end of the cap of the run under way (its section start + its cap); all of it with no run under way', () => {
    runs = [{ jobId: 'r', attempt: 1, logMaxBytes: 2048, logStart: 0 }];
    expect(jobLogs.limit('r')).toBe(2048);
    // Run 3 of a job whose earlier runs wrote 5000 bytes: its own cap, counted from its section's start.
    runs = [{ jobId: 'r', attempt: 3, logMaxBytes: 2048, logStart: 5000 }];
    expect(jobLogs.limit('r')).toBe(7048);
    // Pending, failed, finished or gone: no run writes it, every byte is settled.
    expect(jobLogs.limit('p')).toBe(Infinity);
  });
});

describe('handlers and the pool: ids whose run is still being stopped', () => {
  let db: Database.Database;
  let store: Store;
  let ctx: EngineContext;

  beforeEach(async () => {
    db = openDatabase(join(dir, 'queue.db'));
    store = createStore(db);
    const api = sqliteStore(db);
    const settings = await Settings.load(api, () => undefined);
    ctx = {
      store: api,
      settings,
      jobLogs,
      paths: { logs: logsDir },
      pool: { running: () => runs },
      changed: () => undefined,
      changedMany: () => undefined,
    } as unknown as EngineContext;
  });
  afterEach(() => db.close());

  const failure = queueErrorOfAsync;

  it('job.remove refuses a canceled job whose run the pool still has, and removes it once the run is gone', async () => {
    await enqueue(ctx, { job: { id: 'done', command: 'true' } });
    await enqueue(ctx, { job: { id: 'dying', command: 'sleep 9' } });
    store.claim(1, Date.now());
    store.claim(2, Date.now());
    store.finish('done', 1, { outcome: 'completed', exitCode: 0, signal: null, error: null }, Date.now(), () => 0);
    store.cancel('dying', Date.now());
    runs = [{ jobId: 'dying', attempt: 1, logMaxBytes: cap, logStart: 0 }];
    const err = await failure(() => jobRemove(ctx, { ids: ['done', 'dying'] }));
    expect(err.code).toBe('INVALID_STATE');
    expect(err.message).toBe('job dying is still being stopped; try again in a moment');
    expect(err.details).toEqual({ id: 'dying', state: 'canceled' });
    expect(store.getJob('done')).toBeDefined(); // all or none
    runs = [];
    expect(await jobRemove(ctx, { ids: ['done', 'dying'] })).toEqual({ removed: ['done', 'dying'] });
  });

  it('job.remove still names a job that is not finished with its own message', async () => {
    await enqueue(ctx, { job: { id: 'busy', command: 'sleep 9' } });
    store.claim(1, Date.now());
    runs = [{ jobId: 'busy', attempt: 1, logMaxBytes: cap, logStart: 0 }];
    const err = await failure(() => jobRemove(ctx, { ids: ['busy'] }));
    expect(err.message).toMatch(/^job busy is processing; only completed, dead and canceled jobs can be removed/);
  });

  it('enqueue and enqueue.batch refuse a chosen id whose job is gone but whose run the pool still has', async () => {
    runs = [{ jobId: 'ghost', attempt: 1, logMaxBytes: cap, logStart: 0 }];
    const one = await failure(() => enqueue(ctx, { job: { id: 'ghost', command: 'true' } }));
    expect(one.code).toBe('INVALID_STATE');
    expect(one.message).toBe('job id "ghost" is still in use by a run that is being stopped; try again in a moment');
    const batch = await failure(() => enqueueBatch(ctx, { jobs: [{ command: 'true' }, { id: 'ghost', command: 'true' }] }, { push: () => undefined }));
    expect(batch.code).toBe('INVALID_STATE');
    expect(batch.message).toBe('job 2 of the batch: job id "ghost" is still in use by a run that is being stopped; try again in a moment');
    expect(batch.details).toEqual({ id: 'ghost', index: 1 });
    expect(store.counts().pending).toBe(0);
    runs = [];
    expect((await enqueue(ctx, { job: { id: 'ghost', command: 'true' } })).job.id).toBe('ghost');
  });

  it('enqueue of a removed job\'s id deletes the old log before storing; job.retry keeps the log', async () => {
    await enqueue(ctx, { job: { id: 'again', command: 'true' } });
    store.claim(1, Date.now());
    store.finish('again', 1, { outcome: 'completed', exitCode: 0, signal: null, error: null }, Date.now(), () => 0);
    writeFileSync(path('again'), 'first run\n');
    expect((await jobRetry(ctx, { id: 'again' })).job.state).toBe('pending');
    expect(readFileSync(path('again'), 'utf8')).toBe('first run\n');
    writeFileSync(path('again'), 'second run\n');
    store.cancel('again', Date.now());
    // The enqueue comes once the remove has committed and queued the log, while the log is being deleted.
    const queued = new Promise<void>((resolve) => {
      const deleteLogs = jobLogs.deleteLogs.bind(jobLogs);
      jobLogs.deleteLogs = (ids) => {
        const deleting = deleteLogs(ids);
        resolve();
        return deleting;
      };
    });
    const removing = jobRemove(ctx, { ids: ['again'] });
    await queued;
    await enqueue(ctx, { job: { id: 'again', command: 'true' } });
    expect(existsSync(path('again'))).toBe(false);
    writeFileSync(path('again'), 'new job\n');
    await removing;
    expect(readFileSync(path('again'), 'utf8')).toBe('new job\n');
  });

  it('logs reads a job that is not finished only up to the cap of its run; a finished one to the end', async () => {
    await enqueue(ctx, { job: { id: 'long', command: 'yes' } });
    store.claim(1, Date.now());
    runs = [{ jobId: 'long', attempt: 1, logMaxBytes: 1024, logStart: 0 }];
    const file = Buffer.concat([Buffer.alloc(1024, 'a'), Buffer.from('\n[truncated]\n'), Buffer.alloc(500, 'b')]);
    writeFileSync(path('long'), file);
    expect(await logs(ctx, { id: 'long' })).toMatchObject({ offset: 0, next_offset: 1024, size: 1024, data: 'a'.repeat(1024) });
    expect(await logs(ctx, { id: 'long', offset: 1024 })).toMatchObject({ offset: 1024, next_offset: 1024, size: 1024, data: '' });
    expect(await logs(ctx, { id: 'long', tail_bytes: 10 })).toMatchObject({ offset: 1014, next_offset: 1024, size: 1024 });
    store.cancel('long', Date.now());
    expect((await logs(ctx, { id: 'long' })).size).toBe(1024); // its run is still being killed
    runs = [];
    expect(await logs(ctx, { id: 'long' })).toMatchObject({ next_offset: file.length, size: file.length });
  });

  it('logs with run reads one run: its output without its header, up to the next run; "latest"; a run under way up to its own cap', async () => {
    await enqueue(ctx, { job: { id: 'runs', command: 'false', max_retries: 5 } });
    const t0 = Date.now();
    const failed = { outcome: 'failed' as const, exitCode: 1, signal: null, error: 'exited with code 1' };
    const one = 'run one\n';
    expect(store.claim(1, t0, [], () => ({ logStart: 0, marker: 'a' }))!.attempt).toBe(1);
    writeFileSync(path('runs'), one);
    store.finish('runs', 1, failed, t0, () => 0);
    const header = runHeader(2, t0, false);
    expect(store.claim(1, t0 + 1, [], () => ({ logStart: one.length, marker: 'b' }))!.attempt).toBe(2);
    const two = 'x'.repeat(300);
    writeFileSync(path('runs'), one + header + two);
    const outputStart = one.length + Buffer.byteLength(header);
    // Run 2 is under way with a 100-byte cap: settled up to 100 bytes past its section's start.
    runs = [{ jobId: 'runs', attempt: 2, logMaxBytes: 100, logStart: one.length }];
    expect(await logs(ctx, { id: 'runs', run: 1 })).toMatchObject({ run: 1, start: 0, offset: 0, next_offset: one.length, size: one.length, data: one });
    expect(await logs(ctx, { id: 'runs', run: 'latest' })).toMatchObject({ run: 2, start: outputStart, offset: outputStart, size: one.length + 100 });
    expect((await logs(ctx, { id: 'runs' })).size).toBe(one.length + 100);
    runs = [];
    store.finish('runs', 2, failed, t0 + 2, () => 0);
    expect(await logs(ctx, { id: 'runs', run: 2 })).toMatchObject({ run: 2, start: outputStart, next_offset: outputStart + 300, size: outputStart + 300, data: two });
    expect(await logs(ctx, { id: 'runs', run: 2, tail_bytes: 5000 })).toMatchObject({ offset: outputStart, data: two });
    expect(await logs(ctx, { id: 'runs', run: 2, offset: 0, max_bytes: 10 })).toMatchObject({ offset: outputStart, data: 'x'.repeat(10) });
    const none = await failure(() => logs(ctx, { id: 'runs', run: 3 }));
    expect(none).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'job runs has no run 3; its runs are numbered 1 to 2' });
    expect((await failure(() => logs(ctx, { id: 'runs', run: 'first' }))).message).toBe('run must be a run number or "latest", got "first"');
    await enqueue(ctx, { job: { id: 'fresh', command: 'true' } });
    expect(await logs(ctx, { id: 'fresh', run: 'latest' })).toEqual({ id: 'fresh', data: '', offset: 0, next_offset: 0, size: 0 });
    expect((await failure(() => logs(ctx, { id: 'fresh', run: 1 }))).message).toBe('job fresh has not run yet; it has no run 1');
  });
});
