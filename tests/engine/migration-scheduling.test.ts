import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStore } from '../../electron/engine/store/index.js';
import { MIGRATIONS } from '../../electron/engine/store/migrations/index.js';
import { openDatabase } from '../../electron/engine/store/open.js';

/**
 * Upgrading a store written by the queuectl before named queues (schema 6): jobs land in the default queue,
 * nothing is lost, and a queue paused with `queuectl pause` stays paused, now as the switch that holds
 * every queue rather than as the queue named "default".
 */
const T0 = 1_700_000_000_000;
let dir: string;
let dbPath: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qctl-migrate-'));
  dbPath = join(dir, 'queue.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A schema-6 database with three jobs (one running, one waiting, one done) and the queue paused or not. */
function writeVersion6(paused: boolean): void {
  const v6 = new Database(dbPath);
  v6.pragma('foreign_keys = ON');
  MIGRATIONS.slice(0, 6).forEach((sql, i) => {
    v6.exec(sql);
    v6.pragma(`user_version = ${i + 1}`);
  });
  const insert = v6.prepare(
    `INSERT INTO jobs (id, command, state, max_retries, priority, run_at, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?)`,
  );
  insert.run('waiting', 'echo w', 'pending', 5, T0, T0, T0);
  insert.run('running', 'echo r', 'processing', 0, T0, T0, T0);
  insert.run('done', 'echo d', 'completed', 0, T0, T0, T0);
  if (paused) v6.prepare(`UPDATE queues SET paused = 1, paused_at = ? WHERE name = 'default'`).run(T0 - 5000);
  v6.close();
}

describe('migration 0007 (scheduling) on a store from the previous version', () => {
  it('keeps every job, in the default queue, with no parents, and claimable as before', () => {
    writeVersion6(false);
    const db = openDatabase(dbPath);
    const store = createStore(db);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(store.counts()).toMatchObject({ pending: 1, processing: 1, completed: 1 });
    for (const id of ['waiting', 'running', 'done']) {
      expect(store.getJob(id)).toMatchObject({ queue: 'default', depends_on: null, waiting_on: 0, canceled_by: null, schedule_id: null });
    }
    expect(store.queueInfos().map((q) => [q.name, q.paused, q.parallel, q.pause_on_dead])).toEqual([['default', false, null, false]]);
    expect(store.pauseState()).toEqual({ paused: false, since: null });
    expect(store.claim(1, T0)?.job.id).toBe('waiting');
    db.close();
  });

  it('a queue paused before the upgrade stays paused, with its time, as the switch over every queue', () => {
    writeVersion6(true);
    const db = openDatabase(dbPath);
    const store = createStore(db);
    expect(store.pauseState()).toEqual({ paused: true, since: T0 - 5000 });
    // The row that held the old switch is now the queue named "default", running on its own.
    expect(store.queueInfo('default')).toMatchObject({ paused: false, paused_since: null });
    db.close();
  });

  it('per-queue counts come from the upgraded counts and stay equal to a real count through every change', () => {
    writeVersion6(false);
    const db = openDatabase(dbPath);
    const store = createStore(db);
    const real = () =>
      db.prepare(`SELECT queue, state, count(*) AS n FROM jobs GROUP BY queue, state ORDER BY queue, state`).all() as Array<{ queue: string; state: string; n: number }>;
    const kept = () =>
      store.queueInfos().flatMap((q) => Object.entries(q.counts).filter(([, n]) => n > 0).map(([state, n]) => ({ queue: q.name, state, n })))
        .sort((a, b) => a.queue.localeCompare(b.queue) || a.state.localeCompare(b.state));
    expect(kept()).toEqual(real());
    const base = { id: null, name: null, max_retries: 0, priority: 9, timeout_ms: null, cwd: null };
    store.enqueue({ ...base, command: 'gpu 1', queue: 'gpu' }, T0);
    store.enqueueMany([{ ...base, command: 'gpu 2', queue: 'gpu' }, { ...base, command: 'io', queue: 'io' }], T0);
    const c = store.claim(1, T0)!;
    expect(kept()).toEqual(real());
    store.finish(c.job.id, c.attempt, { outcome: 'failed', exitCode: 1, signal: null, error: 'exit code 1' }, T0, () => 0);
    store.cancel('waiting', T0);
    store.remove(['done']);
    expect(kept()).toEqual(real());
    expect(store.counts()).toMatchObject({ pending: 2, processing: 1, dead: 1, canceled: 1, completed: 0 });
    db.close();
  });

  it('is applied once: reopening the upgraded store changes nothing', () => {
    writeVersion6(true);
    openDatabase(dbPath).close();
    const db = openDatabase(dbPath);
    const store = createStore(db);
    expect(store.pauseState()).toEqual({ paused: true, since: T0 - 5000 });
    expect(db.prepare(`SELECT count(*) AS n FROM pause_all`).get()).toEqual({ n: 1 });
    db.close();
  });
});
