import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import type { StoreApi } from '../../electron/engine/store/api.js';
import { openPostgresStore } from '../../electron/engine/store/postgres/index.js';
import type { JobRow } from '../../electron/engine/store/rows.js';
import type { NewJob } from '../../electron/engine/store/transitions/enqueue.js';
import { describePostgres } from '../helpers/postgres.js';
import { newJob, openTempSqliteApi, type TempSqliteApi } from '../helpers/store.js';

/*
 * The PostgreSQL store's batch insert (store/postgres/enqueue.ts): columns the jobs share go as one value,
 * the others as arrays, and the statement answers only the ids it found taken. Checked against the SQLite
 * store's rows for the same batch, and with generated ids scripted to collide (1 in 10^12 otherwise).
 */

/** Ids generateId hands out before drawing random ones again. */
const scripted = vi.hoisted((): string[] => []);
vi.mock('../../electron/engine/store/transitions/enqueue.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../electron/engine/store/transitions/enqueue.js')>();
  return { ...original, generateId: () => scripted.shift() ?? original.generateId() };
});

const T = 1_800_000_000_000;
const envX = { vars: '{"A":"1"}', digest: 'digest-x' };
const envY = { vars: '{"B":"2"}', digest: 'digest-y' };

/** Jobs that differ in every column a batch fills, and text that needs escaping in an array. */
const MIXED: NewJob[] = [
  newJob(),
  newJob({ id: 'chosen-1', name: 'b', priority: 5, timeout_ms: 1500, cwd: '/tmp', queue: 'other', run_at: T + 90_061, notify: true, keep_children: true, umask: 0o027, env: envX }),
  newJob({ run_at: T - 5, schedule: { id: 's1', slot: T - 60_000 }, env: envY, max_retries: 3 }),
  newJob({ schedule: { id: 's1', slot: null }, env: envX }),
  newJob({ command: `echo "a\\b" 'c' — ü\n{x,y} NULL`, name: 'NULL' }),
];

describePostgres('the PostgreSQL store: batch enqueue', (url) => {
  let store: StoreApi;
  let sqlite: TempSqliteApi;
  beforeAll(async () => {
    store = await openPostgresStore(url());
  });
  afterAll(async () => {
    await store?.close();
  });
  beforeEach(() => {
    scripted.length = 0;
  });

  it('stores every column of a mixed batch as the SQLite store does', async () => {
    sqlite = openTempSqliteApi('queuectl-pg-batch-');
    try {
      const [pgIds, liteIds] = [await store.enqueueMany(MIXED, T), await sqlite.store.enqueueMany(MIXED, T)];
      expect(pgIds[1]).toBe('chosen-1');
      const comparable = async (s: StoreApi, id: string) => {
        const { seq: _seq, id: _id, env_id, ...row } = (await s.getJob(id)) as JobRow;
        return { ...row, env: await s.environment(env_id) };
      };
      for (let i = 0; i < MIXED.length; i++) expect(await comparable(store, pgIds[i]!)).toEqual(await comparable(sqlite.store, liteIds[i]!));
      expect(await comparable(store, pgIds[2]!)).toMatchObject({ run_at: T, scheduled_for: T - 60_000, env: envY });
      expect(await comparable(store, pgIds[1]!)).toMatchObject({ run_at: T + 90_061, notify: 1, keep_children: 1, umask: 0o027, env: envX });
    } finally {
      sqlite.remove();
    }
  });

  it('draws a generated id again when it is taken, by a stored job or earlier in the batch', async () => {
    const kept = await store.enqueue(newJob({ id: 'taken-01', command: 'kept' }), T);
    const before = (await store.counts()).pending;
    scripted.push('taken-01', 'twice-01', 'twice-01');
    const ids = await store.enqueueMany([newJob(), newJob(), newJob()], T);
    expect(new Set(ids).size).toBe(3);
    expect(ids).toContain('twice-01');
    expect(ids).not.toContain('taken-01');
    for (const id of ids) expect((await store.getJob(id))!.command).toBe('true');
    expect(await store.getJob('taken-01')).toEqual(kept);
    expect((await store.counts()).pending).toBe(before + 3);
  });

  it('a batch of several INSERTs: an id taken in a later one is redrawn, or refused if chosen, and the earlier ones count once', async () => {
    await store.enqueue(newJob({ id: 'taken-02' }), T);
    const before = (await store.counts()).pending;
    const big = (chosen: string | null): NewJob[] => Array.from({ length: 6_000 }, (_, i) => newJob({ id: i === 5_500 ? chosen : null, command: `echo ${i}` }));
    await expect(store.enqueueMany(big('taken-02'), T)).rejects.toMatchObject({ code: 'DUPLICATE_ID', details: { id: 'taken-02' } });
    expect((await store.counts()).pending).toBe(before);
    scripted.push(...Array.from({ length: 5_500 }, (_, i) => `g${String(i).padStart(7, '0')}`), 'taken-02');
    const ids = await store.enqueueMany(big(null), T);
    expect(new Set(ids).size).toBe(6_000);
    expect(ids).not.toContain('taken-02');
    expect((await store.getJob(ids[5_500]!))!.command).toBe('echo 5500');
    expect((await store.counts()).pending).toBe(before + 6_000);
  });
});
