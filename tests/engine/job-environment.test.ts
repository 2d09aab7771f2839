import { beforeEach, describe, expect, it } from 'vitest';
import { QueueError } from '../../protocol/index.js';
import { Settings } from '../../electron/engine/config/settings.js';
import { storedEnv, validateSpec } from '../../electron/engine/job-spec.js';
import { toJobDetail } from '../../electron/engine/store/rows.js';
import type Database from 'better-sqlite3';
import type { Store } from '../../electron/engine/store/index.js';
import { sqliteStore } from '../../electron/engine/store/sqlite/index.js';
import { newJob, useTempStore } from '../helpers/store.js';

let db: Database.Database;
let store: Store;
let settings: Settings;
useTempStore('qctl-env-', (t) => {
  db = t.db;
  store = t.store;
});
beforeEach(async () => {
  settings = await Settings.load(sqliteStore(db), () => {});
});

const refusal = (raw: unknown, defaults = {}): string => {
  try {
    validateSpec(raw, settings, Date.now(), defaults);
  } catch (err) {
    if (err instanceof QueueError && err.code === 'INVALID_ARGUMENT') return err.message;
    throw err;
  }
  throw new Error('accepted');
};
const environments = (): number => db.prepare<[], { n: number }>('SELECT count(*) AS n FROM environments').get()!.n;

describe('a job environment in the engine (validateSpec, migration 0008)', () => {
  it('validateSpec: env and umask checked; left out: the batch default, else the queue\'s own and 022', () => {
    const own = validateSpec({ command: 'true', env: { B: '2', A: '1' }, umask: '0027' }, settings);
    expect(own.env).toEqual(storedEnv({ A: '1', B: '2' }));
    expect(own.env!.vars).toBe('{"A":"1","B":"2"}');
    expect(own.umask).toBe(0o027);
    expect(validateSpec({ command: 'true' }, settings)).toMatchObject({ env: null, umask: 0o022 });
    expect(validateSpec({ command: 'true', env: null }, settings).env).toBeNull();
    const shared = { env: storedEnv({ X: 'batch' }), umask: 0o002 };
    expect(validateSpec({ command: 'true' }, settings, Date.now(), shared)).toMatchObject({ env: shared.env, umask: 0o002 });
    // A job's own env wins over the batch's, null included (the queue's own).
    expect(validateSpec({ command: 'true', env: null }, settings, Date.now(), shared).env).toBeNull();
    expect(refusal({ command: 'true', env: { A: 1 } })).toBe('env.A must be a string, got 1');
    expect(refusal({ command: 'true', env: { '': 'x' } })).toBe('env: a variable name must not be empty');
    expect(refusal({ command: 'true', env: 'A=1' })).toMatch(/^env must be an object of variables/);
    expect(refusal({ command: 'true', umask: 18 })).toMatch(/^umask must be octal text such as "0022"/);
  });

  it('stores each distinct environment once, shared by the jobs that have it, and deletes it with the last of them', () => {
    const env = storedEnv({ PATH: '/opt/bin:/usr/bin', MYVAR: 'hello' });
    const [a, b] = store.enqueueMany([newJob({ env, umask: 0o027 }), newJob({ env })], Date.now());
    const c = store.enqueue(newJob({ env: storedEnv({ MYVAR: 'hello', PATH: '/opt/bin:/usr/bin' }) }), Date.now());
    const plain = store.enqueue(newJob(), Date.now());
    expect(environments()).toBe(1);
    const rowA = store.getJob(a!)!;
    expect(rowA.env_id).not.toBeNull();
    expect(c.env_id).toBe(rowA.env_id);
    expect(plain).toMatchObject({ env_id: null, umask: 0o022 });
    const detail = toJobDetail(rowA, '/logs', store.environment(rowA.env_id)!.vars);
    expect(detail).toMatchObject({ umask: '0027', env: { MYVAR: 'hello', PATH: '/opt/bin:/usr/bin' } });
    expect(toJobDetail(plain, '/logs', null).env).toBeNull();

    db.prepare(`UPDATE jobs SET state = 'completed'`).run();
    store.remove([a!, b!]);
    expect(environments()).toBe(1);
    store.remove([c.id]);
    expect(environments()).toBe(0);
    // Never the id of a deleted environment (the scheduler caches by id).
    expect(store.enqueue(newJob({ env: storedEnv({ OTHER: '1' }) }), Date.now()).env_id).toBeGreaterThan(rowA.env_id!);
  });

  it('a schedule keeps its environment while its jobs come and go', () => {
    const env = storedEnv({ MYVAR: 'cron' });
    const { row } = store.addSchedule(
      { cron: '0 9 * * *', tz: 'UTC', spec: JSON.stringify({ command: 'true', queue: 'default', priority: 0 }), queue: 'default', overlap: 'allow', next_at: Date.now() + 60_000, env, umask: 0o027 },
      Date.now(),
    );
    expect(row).toMatchObject({ umask: 0o027 });
    const job = store.enqueue(newJob({ env }), Date.now());
    db.prepare(`UPDATE jobs SET state = 'completed'`).run();
    store.remove([job.id]);
    expect(store.environment(row.env_id)?.vars).toBe('{"MYVAR":"cron"}');
    store.removeSchedule(row.id);
    expect(environments()).toBe(0);
  });
});
