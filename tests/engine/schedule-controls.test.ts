import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Settings } from '../../electron/engine/config/settings.js';
import type { EngineContext } from '../../electron/engine/context.js';
import { CronLoop, type CronClock } from '../../electron/engine/cron/loop.js';
import { scheduleAdd } from '../../electron/engine/rpc/handlers/schedule-add.js';
import { scheduleEdit } from '../../electron/engine/rpc/handlers/schedule-edit.js';
import { schedulePause, scheduleResume } from '../../electron/engine/rpc/handlers/schedule-pause.js';
import { scheduleRunNow } from '../../electron/engine/rpc/handlers/schedule-run-now.js';
import { createStore, type Store } from '../../electron/engine/store/index.js';
import { openDatabase } from '../../electron/engine/store/open.js';
import { sqliteStore } from '../../electron/engine/store/sqlite/index.js';
import type { JobRow } from '../../electron/engine/store/rows.js';
import { queueErrorOfAsync } from '../helpers/queue-error.js';

/**
 * Schedule pause/resume, run now, edit and skipped firings (issue 16 item 9): the handlers on a real store,
 * and the cron loop on a clock the test holds still (its `now` is the real time of the call, as the
 * handlers read Date.now()).
 */

const MIN = 60_000;

/** A clock that never fires timers: each check() is run by hand at `time`. */
const stillClock = (time: () => number): CronClock => ({ now: time, after: () => () => {}, every: () => () => {} });

let dir: string;
let db: Database.Database;
let store: Store;
let ctx: EngineContext;
let logged: string[];
let announced: JobRow[];
let rearmed: number;
let queuesAnnounced: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qctl-schedctl-'));
  db = openDatabase(join(dir, 'queue.db'));
  store = createStore(db);
  logged = [];
  announced = [];
  rearmed = 0;
  queuesAnnounced = 0;
  const api = sqliteStore(db);
  ctx = {
    store: api,
    settings: await Settings.load(api, (m) => logged.push(m)),
    paths: { logs: join(dir, 'logs') },
    log: (m: string) => logged.push(m),
    stopping: () => false,
    changed: (row: JobRow) => announced.push(row),
    queuesChanged: () => queuesAnnounced++,
    schedulesChanged: () => rearmed++,
  } as unknown as EngineContext;
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A loop that checks once at `at` (slots due by then fire). */
async function checkAt(at: number): Promise<JobRow[]> {
  const fired: JobRow[] = [];
  const loop = new CronLoop({ store: ctx.store, settings: ctx.settings, fired: (row) => fired.push(row), log: (m) => logged.push(m), clock: stillClock(() => at) });
  loop.start();
  // The store's promises are settled already (SQLite): the pass ends within this turn's microtasks.
  await new Promise((resolve) => setImmediate(resolve));
  loop.stop();
  return fired;
}

const jobsOf = (id: string) => db.prepare<[string], { id: string; scheduled_for: number | null }>(`SELECT id, scheduled_for FROM jobs WHERE schedule_id = ?`).all(id);

describe('schedule.pause and schedule.resume', () => {
  it('a paused schedule does not fire; resuming continues from the next slot after now, without the slots missed', async () => {
    const { schedule } = await scheduleAdd(ctx, { cron: '* * * * *', command: 'true', tz: 'UTC', overlap: 'allow' });
    const paused = await schedulePause(ctx, { id: schedule.id.slice(0, 5) });
    expect(paused.changed).toBe(true);
    expect(paused.schedule).toMatchObject({ id: schedule.id, next_at: null });
    expect(Date.parse(paused.schedule.paused_at!)).toBeGreaterThan(Date.now() - 5000);
    expect(rearmed).toBe(2);
    // A second pause changes nothing, keeps the first time, and does not re-arm.
    expect(await schedulePause(ctx, { id: schedule.id })).toEqual({ schedule: paused.schedule, changed: false });
    expect(rearmed).toBe(2);

    // Its next slot comes (and five more pass): nothing fires, neither by the loop nor by a firing read earlier.
    const stored = store.getSchedule(schedule.id)!;
    expect(await checkAt(stored.next_at + 5 * MIN)).toEqual([]);
    expect(store.fireSchedule({ id: schedule.id, expected: stored.next_at, slot: stored.next_at, next: stored.next_at + MIN, job: null }, stored.next_at)).toEqual({ outcome: 'stale' });
    expect(jobsOf(schedule.id)).toEqual([]);

    // Slots passed while it was paused (next_at well in the past): resuming fires none of them.
    db.prepare(`UPDATE schedules SET next_at = ? WHERE id = ?`).run(Date.now() - 10 * MIN, schedule.id);
    const resumed = await scheduleResume(ctx, { id: schedule.id });
    expect(resumed.changed).toBe(true);
    expect(resumed.schedule.paused_at).toBeNull();
    const next = Date.parse(resumed.schedule.next_at!);
    expect(next).toBeGreaterThan(Date.now());
    expect(next % MIN).toBe(0);
    expect(await checkAt(Date.now())).toEqual([]);
    // Its next slot fires as before.
    expect((await checkAt(next)).map((j) => j.scheduled_for)).toEqual([next]);
    expect((await scheduleResume(ctx, { id: schedule.id })).changed).toBe(false);
  });

  it('an unknown id is SCHEDULE_NOT_FOUND; other fields are refused', async () => {
    for (const call of [schedulePause, scheduleResume, scheduleRunNow]) {
      expect((await queueErrorOfAsync(() => call(ctx, { id: 'nope' }))).code).toBe('SCHEDULE_NOT_FOUND');
      expect((await queueErrorOfAsync(() => call(ctx, { id: 'nope', all: true }))).message).toMatch(/unknown field "all"/);
    }
  });
});

describe('schedule.run_now and skipped firings', () => {
  it('enqueues one job now without moving the next run; with overlap skip the next slot waits for it and is counted as skipped', async () => {
    const { schedule } = await scheduleAdd(ctx, { cron: '*/5 * * * *', command: 'make report', tz: 'UTC', queue: 'reports', name: 'report', cwd: '/tmp' });
    const ran = await scheduleRunNow(ctx, { id: schedule.id });
    expect(ran.job).toMatchObject({ command: 'make report', queue: 'reports', name: 'report', cwd: '/tmp', schedule_id: schedule.id, state: 'pending' });
    expect(announced.map((j) => j.id)).toEqual([ran.job.id]);
    expect(ran.schedule).toMatchObject({ next_at: schedule.next_at, last_fired_at: null, last_job_id: ran.job.id, skipped: 0, last_skipped_at: null });
    expect(jobsOf(schedule.id)).toEqual([{ id: ran.job.id, scheduled_for: null }]);

    // Its job has not ended when the slot comes: overlap skip passes the slot over, and it is counted.
    const slot = Date.parse(schedule.next_at!);
    expect(await checkAt(slot)).toEqual([]);
    expect(await checkAt(slot + 5 * MIN)).toEqual([]);
    const after = (await scheduleRunNow(ctx, { id: schedule.id })).schedule; // a second run now: both its jobs exist
    expect(after).toMatchObject({ skipped: 2, last_skipped_at: new Date(slot + 5 * MIN).toISOString(), next_at: new Date(slot + 10 * MIN).toISOString() });
    expect(jobsOf(schedule.id)).toHaveLength(2);
  });

  it('runs a paused schedule too, and it stays paused', async () => {
    const { schedule } = await scheduleAdd(ctx, { cron: '@daily', command: 'true' });
    await schedulePause(ctx, { id: schedule.id });
    const ran = await scheduleRunNow(ctx, { id: schedule.id });
    expect(ran.job.schedule_id).toBe(schedule.id);
    expect(ran.schedule.next_at).toBeNull();
    expect(ran.schedule.paused_at).not.toBeNull();
  });
});

describe('schedule.edit', () => {
  it('changes the fields given, checked as add checks them; a new cron or zone moves the next run, anything else keeps it', async () => {
    const { schedule } = await scheduleAdd(ctx, { cron: '0 3 * * *', command: 'backup', tz: 'UTC', cwd: '/srv', max_retries: 2, env: { A: '1' } });
    const envBefore = store.getSchedule(schedule.id)!.env_id;

    const command = await scheduleEdit(ctx, { id: schedule.id, command: 'backup --full', queue: 'nightly' });
    expect(command.changed).toBe(true);
    expect(command.schedule).toMatchObject({ command: 'backup --full', queue: 'nightly', cron: '0 3 * * *', tz: 'UTC', cwd: '/srv', max_retries: 2, next_at: schedule.next_at, has_env: true });
    expect(store.getSchedule(schedule.id)!.env_id).toBe(envBefore);
    expect(queuesAnnounced).toBe(1); // nightly is new (default exists from the start)

    const cron = (await scheduleEdit(ctx, { id: schedule.id, cron: '30 4 * * *', tz: 'Europe/Berlin' })).schedule;
    expect(cron).toMatchObject({ cron: '30 4 * * *', tz: 'Europe/Berlin', command: 'backup --full' });
    const next = new Date(cron.next_at!);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit' }).format(next)).toBe('04:30');

    // Null clears what it clears in add: the zone (daemon's local), the name, the retries (config's at firing time).
    expect((await scheduleEdit(ctx, { id: schedule.id, timeout_ms: 30_000 })).schedule.timeout_ms).toBe(30_000);
    const cleared = (await scheduleEdit(ctx, { id: schedule.id, tz: null, max_retries: null, timeout_ms: null, env: null })).schedule;
    expect(cleared).toMatchObject({ tz: null, max_retries: null, timeout_ms: null, has_env: false });

    // Nothing differs: nothing written, not logged, not re-armed.
    const rearms = rearmed;
    const lines = logged.length;
    expect(await scheduleEdit(ctx, { id: schedule.id, command: 'backup --full' })).toEqual({ schedule: cleared, changed: false });
    expect([rearmed, logged.length]).toEqual([rearms, lines]);
  });

  it('refuses what add refuses, with the same words, and a cron that never fires; nothing changes', async () => {
    const { schedule } = await scheduleAdd(ctx, { cron: '*/5 * * * *', command: 'true' });
    const before = store.getSchedule(schedule.id);
    const bad: Array<Record<string, unknown>> = [
      { cron: '0 0 30 2 *' },
      { cron: '61 * * * *' },
      { tz: 'Mars/Olympus' },
      { priority: 1e9 },
      { command: '' },
      { cwd: 'relative/dir' },
      { overlap: 'sometimes' },
    ];
    for (const change of bad) {
      const viaEdit = await queueErrorOfAsync(() => scheduleEdit(ctx, { id: schedule.id, ...change }));
      const viaAdd = await queueErrorOfAsync(() => scheduleAdd(ctx, { cron: '*/5 * * * *', command: 'true', ...change }));
      expect(viaEdit.code, JSON.stringify(change)).toBe('INVALID_ARGUMENT');
      expect(viaEdit.message).toBe(viaAdd.message);
    }
    expect((await queueErrorOfAsync(() => scheduleEdit(ctx, { id: schedule.id, cron: '0 0 30 2 *' }))).message).toMatch(/never fires/);
    expect((await queueErrorOfAsync(() => scheduleEdit(ctx, { id: schedule.id, colour: 'red' }))).message).toMatch(/unknown field "colour" for schedule\.edit/);
    expect((await queueErrorOfAsync(() => scheduleEdit(ctx, { id: 'zzzzzzzz', command: 'x' }))).code).toBe('SCHEDULE_NOT_FOUND');
    expect(store.getSchedule(schedule.id)).toEqual(before);
  });

  it('a paused schedule stays paused when edited', async () => {
    const { schedule } = await scheduleAdd(ctx, { cron: '*/5 * * * *', command: 'true' });
    await schedulePause(ctx, { id: schedule.id });
    const edited = (await scheduleEdit(ctx, { id: schedule.id, cron: '*/7 * * * *' })).schedule;
    expect(edited).toMatchObject({ cron: '*/7 * * * *', next_at: null });
    expect(edited.paused_at).not.toBeNull();
  });
});
