import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StoreApi } from '../../electron/engine/store/api.js';
import { openPostgresStore } from '../../electron/engine/store/postgres/index.js';
import { describePostgres } from '../helpers/postgres.js';
import { newJob } from '../helpers/store.js';

/**
 * A single enqueue without parents skips the transaction (enqueueAlone: the environment looked up, then one
 * INSERT that also makes the queue's row); whatever it cannot finish that way goes the whole way.
 */
describePostgres('the PostgreSQL store: one enqueue in two round trips', (url) => {
  let store: StoreApi;
  let admin: pg.Client;
  beforeAll(async () => {
    store = await openPostgresStore(url(), { max: 2 });
    admin = new pg.Client({ connectionString: url() });
    await admin.connect();
  });
  afterAll(async () => {
    await store?.close();
    await admin?.end();
  });

  const env = (digest: string) => ({ digest, vars: JSON.stringify({ FROM: digest }) });

  it("makes the job's queue, stores a new environment once, and refuses a chosen id taken", async () => {
    const now = Date.now();
    const first = await store.enqueue(newJob({ queue: 'alone-q', env: env('alone-env') }), now);
    const second = await store.enqueue(newJob({ queue: 'alone-q', env: env('alone-env') }), now);
    expect(second.env_id).toBe(first.env_id);
    expect((await admin.query(`SELECT count(*)::int AS n FROM queuectl.environments WHERE digest = 'alone-env'`)).rows[0].n).toBe(1);
    expect(await store.queueInfo('alone-q')).toMatchObject({ name: 'alone-q' });
    await store.enqueue(newJob({ id: 'alone-chosen' }), now);
    // Refused: nothing of it stays, not even its queue's row.
    await expect(store.enqueue(newJob({ id: 'alone-chosen', queue: 'alone-never' }), now)).rejects.toMatchObject({ code: 'DUPLICATE_ID' });
    expect(await store.queueInfo('alone-never')).toBeNull();
  });

  it('an environment deleted between its lookup and the insert: the enqueue goes the whole way and stores it again', async () => {
    const now = Date.now();
    await store.enqueue(newJob({ env: env('doomed') }), now);
    // Once (a sequence: its count survives the failed statement's rollback): as the next job is inserted, its
    // environment row goes, as if its last job were removed just then.
    await admin.query(`
      CREATE SEQUENCE queuectl.doom_once;
      CREATE FUNCTION queuectl.doom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('queuectl.doom_once') = 1 THEN
          UPDATE queuectl.jobs SET env_id = NULL WHERE env_id = NEW.env_id;
          DELETE FROM queuectl.environments WHERE id = NEW.env_id;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER doom BEFORE INSERT ON queuectl.jobs FOR EACH ROW EXECUTE FUNCTION queuectl.doom();`);
    try {
      const row = await store.enqueue(newJob({ env: env('doomed') }), now);
      expect(row.env_id).not.toBeNull();
      expect((await store.environment(row.env_id!))?.vars).toBe(JSON.stringify({ FROM: 'doomed' }));
      expect((await admin.query(`SELECT last_value::int AS n FROM queuectl.doom_once`)).rows[0].n).toBe(2);
    } finally {
      await admin.query(`DROP TRIGGER doom ON queuectl.jobs; DROP FUNCTION queuectl.doom(); DROP SEQUENCE queuectl.doom_once`);
    }
  });
});
