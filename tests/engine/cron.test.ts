import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SCHEDULE_LIMITS, type JobState, type ScheduleOverlap } from '../../protocol/index.js';
import { Settings } from '../../electron/engine/config/settings.js';
import type { EngineContext } from '../../electron/engine/context.js';
import { checkCron, checkTimeZone, cronSlots } from '../../electron/engine/cron/expression.js';
import { CronLoop, type CronClock, type CronStore } from '../../electron/engine/cron/loop.js';
import { scheduleAdd } from '../../electron/engine/rpc/handlers/schedule-add.js';
import { scheduleRemove } from '../../electron/engine/rpc/handlers/schedule-remove.js';
import { createStore, type Store } from '../../electron/engine/store/index.js';
import { openDatabase } from '../../electron/engine/store/open.js';
import { sqliteStore } from '../../electron/engine/store/sqlite/index.js';
import type { StoreApi } from '../../electron/engine/store/api.js';
import type { JobRow } from '../../electron/engine/store/rows.js';
import type { StoredJobSpec } from '../../electron/engine/store/schedule-rows.js';
import { queueErrorOf, queueErrorOfAsync } from '../helpers/queue-error.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A wall clock with timers that tests move by hand. `advance` moves time as an awake machine does (timers
 * fire when due, in order); `sleep` moves the wall clock as a suspended one does: timers count awake time
 * only, so their deadlines move on too, and only the poll (an interval) notices on waking.
 */
class FakeClock implements CronClock {
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private intervals: Array<{ every: number; fn: () => void; id: number }> = [];
  private nextId = 0;
  /** Every delay a timer was armed with. */
  readonly delays: number[] = [];

  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.delays.push(ms);
    this.timers.push({ at: this.time + ms, fn, id });
    return () => (this.timers = this.timers.filter((t) => t.id !== id));
  }

  every(ms: number, fn: () => void): () => void {
    const id = this.nextId++;
    this.intervals.push({ every: ms, fn, id });
    return () => (this.intervals = this.intervals.filter((t) => t.id !== id));
  }

  /** Moves the clock to `to`, firing each timer that falls due on the way at its own time. */
  async advanceTo(to: number): Promise<void> {
    for (;;) {
      const due = this.timers.filter((t) => t.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.time = Math.max(this.time, due.at);
      this.timers = this.timers.filter((t) => t.id !== due.id);
      due.fn();
      await settle();
    }
    this.time = to;
  }

  /** The machine sleeps for `ms`, then the poll runs once on waking. */
  sleep(ms: number): Promise<void> {
    return this.step(ms);
  }

  /**
   * The wall clock is set by `ms` (back when negative, e.g. NTP correcting it) while timers keep their
   * remaining delays (they count elapsed time, not the wall clock); then the poll runs once.
   */
  async step(ms: number): Promise<void> {
    this.time += ms;
    for (const t of this.timers) t.at += ms;
    for (const i of [...this.intervals]) i.fn();
    await settle();
  }

  get pending(): number {
    return this.timers.length;
  }
}

let dir: string;
let dbPath: string;
let db: Database.Database;
let store: Store;
/** The same database as the engine sees it (the loop and the handlers). */
let api: StoreApi;
let settings: Settings;
let logged: string[];
let fired: JobRow[];
let loops: CronLoop[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qctl-cron-'));
  dbPath = join(dir, 'queue.db');
  await open();
  logged = [];
  fired = [];
  loops = [];
});

afterEach(() => {
  for (const loop of loops) loop.stop();
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<void> {
  db = openDatabase(dbPath);
  store = createStore(db);
  api = sqliteStore(db);
  settings = await Settings.load(api, (m) => logged.push(m));
}

/** Lets every store call under way settle (SQLite's promises are settled already: only microtasks are left). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function loopOn(clock: FakeClock): CronLoop {
  const loop = new CronLoop({ store: api, settings, fired: (row) => fired.push(row), log: (m) => logged.push(m), clock });
  loops.push(loop);
  return loop;
}

/**
 * Stores a schedule as schedule.add would at `now`. Overlap is 'allow' unless given: jobs here are never
 * run (no scheduler), so with 'skip' only the first slot would enqueue.
 */
function addSchedule(cron: string, now: number, tz: string | null = 'UTC', spec: Partial<StoredJobSpec> = {}, overlap: ScheduleOverlap = 'allow'): string {
  const checked = checkCron(cron, tz, now);
  const job: StoredJobSpec = { command: 'echo tick', queue: 'default', priority: 0, ...spec };
  const { row } = store.addSchedule({ cron: checked.cron, tz, spec: JSON.stringify(job), queue: job.queue, overlap, next_at: checked.slots.nextAfter(now)! }, now);
  return row.id;
}

/** Sets a job's state by hand (no scheduler runs here): it "runs", ends, waits for a retry. */
function setState(id: string, state: JobState): void {
  db.prepare(`UPDATE jobs SET state = ? WHERE id = ?`).run(state, id);
}

/** The slots that got a job, per schedule, from the jobs table (in slot order). */
function slotsOf(id: string): string[] {
  return db
    .prepare<[string], { scheduled_for: number }>(`SELECT scheduled_for FROM jobs WHERE schedule_id = ? ORDER BY scheduled_for`)
    .all(id)
    .map((r) => iso(r.scheduled_for));
}

function schedule(id: string) {
  const row = store.getSchedule(id);
  if (!row) throw new Error(`no schedule ${id}`);
  return row;
}

const errorOf = queueErrorOf;
const errorOfAsync = queueErrorOfAsync;

describe('cron expressions (croner)', () => {
  const now = at('2026-05-01T10:00:30Z');

  it('reads 5 fields, 6 with seconds first, and the nicknames; blanks are normalised', () => {
    expect(checkCron('  */5   *  * * * ', 'UTC', now).cron).toBe('*/5 * * * *');
    expect(iso(checkCron('*/5 * * * *', 'UTC', now).slots.nextAfter(now)!)).toBe('2026-05-01T10:05:00.000Z');
    expect(iso(checkCron('*/10 * * * * *', 'UTC', now).slots.nextAfter(now)!)).toBe('2026-05-01T10:00:40.000Z');
    expect(checkCron('@DAILY', 'UTC', now).cron).toBe('@daily');
    for (const [nickname, next] of [
      ['@hourly', '2026-05-01T11:00:00.000Z'],
      ['@daily', '2026-05-02T00:00:00.000Z'],
      ['@weekly', '2026-05-03T00:00:00.000Z'],
      ['@monthly', '2026-06-01T00:00:00.000Z'],
      ['@yearly', '2027-01-01T00:00:00.000Z'],
    ] as const) {
      expect(iso(checkCron(nickname, 'UTC', now).slots.nextAfter(now)!), nickname).toBe(next);
    }
  });

  it('refuses malformed expressions, 7 fields, @reboot and expressions that never fire, saying why', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['', /it is empty/],
      ['* * * *', /has 4 fields/],
      ['0 0 1 1 * 2030 *', /has 7 fields \(a year field is not supported\)/],
      ['61 * * * *', /Invalid value for minute: 61/],
      ['*/0 * * * *', /invalid cron expression/],
      ['@reboot', /@reboot is not supported/],
      ['@fortnightly', /unknown nickname/],
      ['0 0 31 2 *', /never fires/],
      ['0 0 30 2 *', /never fires/],
      [5, /cron must be a string/],
      ['* '.repeat(150), /at most 200 characters/],
    ];
    for (const [cron, message] of cases) {
      const err = errorOf(() => checkCron(cron, null, now));
      expect(err.code, String(cron)).toBe('INVALID_ARGUMENT');
      expect(err.message, String(cron)).toMatch(message);
    }
    expect(errorOf(() => checkCron('61 * * * *', null, now)).message).toBe('invalid cron expression "61 * * * *": Invalid value for minute: 61');
  });

  it('takes IANA zones in their canonical spelling, whatever the letter case or alias given; refuses the rest', () => {
    expect(checkTimeZone(undefined)).toBeNull();
    expect(checkTimeZone(null)).toBeNull();
    expect(checkTimeZone('utc')).toBe('UTC');
    expect(checkTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(checkTimeZone(' Europe/Berlin ')).toBe('Europe/Berlin');
    // EST is the fixed UTC-5 zone, which Intl names America/Panama; "est" is the same zone, not a zone of its own.
    expect(checkTimeZone('est')).toBe(checkTimeZone('EST'));
    expect(checkTimeZone('est')).toBe(new Intl.DateTimeFormat('en-US', { timeZone: 'EST' }).resolvedOptions().timeZone);
    expect(checkTimeZone('us/eastern')).toBe('America/New_York');
    for (const bad of ['Mars/Olympus', '', '  ', 3, '+01:00']) {
      expect(errorOf(() => checkTimeZone(bad)).message, String(bad)).toMatch(/^tz .*(not a known time zone|must be an IANA time zone)/);
    }
  });

  it('finds the latest slot at or before a moment, in whole seconds', () => {
    const slots = cronSlots('* * * * *', 'UTC');
    expect(iso(slots.latestAtOrBefore(at('2026-05-01T10:07:00.000Z'))!)).toBe('2026-05-01T10:07:00.000Z');
    expect(iso(slots.latestAtOrBefore(at('2026-05-01T10:07:59.999Z'))!)).toBe('2026-05-01T10:07:00.000Z');
    expect(iso(slots.nextAfter(at('2026-05-01T10:07:00.000Z'))!)).toBe('2026-05-01T10:08:00.000Z');
    const seconds = cronSlots('* * * * * *', 'UTC');
    expect(iso(seconds.latestAtOrBefore(at('2026-05-01T10:07:00.500Z'))!)).toBe('2026-05-01T10:07:00.000Z');
  });
});

describe('the cron loop (fake clock, real SQLite)', () => {
  it('fires an every-minute schedule once per slot, each slot its own ordinary pending job', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const clock = new FakeClock(t0);
    const id = addSchedule('* * * * *', t0, 'UTC', { command: 'echo minute', queue: 'reports', name: 'tick', priority: 5 });
    loopOn(clock).start();
    await settle();
    expect(fired).toHaveLength(0);

    await clock.advanceTo(t0 + 5 * MIN);
    expect(slotsOf(id)).toEqual(['10:01', '10:02', '10:03', '10:04', '10:05'].map((m) => `2026-05-01T${m}:00.000Z`));
    expect(fired.map((j) => j.id)).toEqual(db.prepare<[], { id: string }>(`SELECT id FROM jobs ORDER BY seq`).all().map((r) => r.id));
    for (const job of fired) {
      expect(job).toMatchObject({ state: 'pending', command: 'echo minute', queue: 'reports', name: 'tick', priority: 5, schedule_id: id, max_retries: 3 });
      expect(job.run_at).toBe(job.scheduled_for);
    }
    const row = schedule(id);
    expect(iso(row.last_slot!)).toBe('2026-05-01T10:05:00.000Z');
    expect(row.last_job_id).toBe(fired[4]!.id);
    expect(iso(row.next_at)).toBe('2026-05-01T10:06:00.000Z');
    expect(logged).toEqual([]);
  });

  it('follows Europe/Berlin across the spring-forward gap and the repeated autumn hour', async () => {
    const spring = at('2026-03-27T12:00:00Z');
    const clock = new FakeClock(spring);
    const daily = addSchedule('30 2 * * *', spring, 'Europe/Berlin');
    const loop = loopOn(clock);
    loop.start();
    await settle();
    await clock.advanceTo(at('2026-03-31T12:00:00Z'));
    // 02:30 CET, then (02:30 does not exist on the 29th) the first time after the gap, 03:00 CEST, then 02:30 CEST.
    expect(slotsOf(daily)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z']);

    store.removeSchedule(daily);
    const autumn = at('2026-10-24T23:30:00Z');
    await clock.advanceTo(autumn);
    const hourly = addSchedule('0 * * * *', autumn, 'Europe/Berlin');
    loop.rearm();
    await settle();
    await clock.advanceTo(at('2026-10-25T03:30:00Z'));
    // 02:00 happens twice on the 25th (CEST, then CET): an interval schedule fires on both, every hour once.
    expect(slotsOf(hourly)).toEqual(['00', '01', '02', '03'].map((h) => `2026-10-25T${h}:00:00.000Z`));
  });

  it('fires once for the latest missed slot after the daemon was down, then goes on from the next slot', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const id = addSchedule('* * * * *', t0);
    const down = new FakeClock(t0);
    const first = loopOn(down);
    first.start();
    await settle();
    await down.advanceTo(t0 + 2 * MIN);
    first.stop();
    db.close();

    // Restart 10 minutes later: slots 10:03 .. 10:12 passed; only 10:12 fires.
    await open();
    const up = new FakeClock(at('2026-05-01T10:12:40Z'));
    loopOn(up).start();
    await settle();
    expect(slotsOf(id)).toEqual(['10:01', '10:02', '10:12'].map((m) => `2026-05-01T${m}:00.000Z`));
    expect(iso(schedule(id).next_at)).toBe('2026-05-01T10:13:00.000Z');
    expect(logged).toEqual([
      `schedule ${id}: the slots from 2026-05-01T10:03:00.000Z to 2026-05-01T10:12:00.000Z were missed (the daemon was not running); fired once, for 2026-05-01T10:12:00.000Z`,
    ]);
    await up.advanceTo(at('2026-05-01T10:14:10Z'));
    expect(slotsOf(id).slice(-2)).toEqual(['2026-05-01T10:13:00.000Z', '2026-05-01T10:14:00.000Z']);
  });

  it('never gives a slot two jobs: a second loop, a repeated firing and a stale retry all do nothing', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const id = addSchedule('* * * * *', t0);
    const clock = new FakeClock(t0);
    loopOn(clock).start();
    await settle();
    loopOn(clock).start();
    await settle();
    await clock.advanceTo(t0 + 3 * MIN);
    expect(slotsOf(id)).toEqual(['10:01', '10:02', '10:03'].map((m) => `2026-05-01T${m}:00.000Z`));

    const row = schedule(id);
    const job = { id: null, name: null, command: 'echo again', max_retries: 0, priority: 0, timeout_ms: null, cwd: null, queue: 'default' };
    // The same attempt twice: the first fires 10:04, the second finds next_at moved and does nothing.
    const attempt = { id, expected: row.next_at, slot: row.next_at, next: row.next_at + MIN, job };
    expect(store.fireSchedule(attempt, row.next_at).outcome).toBe('fired');
    expect(store.fireSchedule(attempt, row.next_at).outcome).toBe('stale');
    // A firing that passes the guard for a slot that has its job already adds none (jobs_schedule_slot backs it).
    const now = schedule(id).next_at;
    expect(store.fireSchedule({ id, expected: now, slot: row.next_at, next: now + MIN, job }, now)).toMatchObject({ outcome: 'had-job' });
    expect(slotsOf(id)).toEqual(['10:01', '10:02', '10:03', '10:04'].map((m) => `2026-05-01T${m}:00.000Z`));
    expect(() => db.prepare(`INSERT INTO jobs (id, command, state, max_retries, run_at, created_at, updated_at, schedule_id, scheduled_for)
      VALUES ('dup', 'x', 'pending', 0, 0, 0, 0, ?, ?)`).run(id, row.next_at)).toThrow(/UNIQUE/);
  });

  it('catches up within one poll after the machine slept (timers do not count sleep)', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const id = addSchedule('0 * * * *', t0);
    const clock = new FakeClock(t0);
    loopOn(clock).start();
    await settle();
    await clock.sleep(3 * HOUR);
    // Awake at 13:00:30: the 11:00 timer has not fired, but the poll saw the wall clock: one job, for 13:00.
    expect(slotsOf(id)).toEqual(['2026-05-01T13:00:00.000Z']);
    expect(iso(schedule(id).next_at)).toBe('2026-05-01T14:00:00.000Z');
    expect(logged).toEqual([
      `schedule ${id}: the slots from 2026-05-01T11:00:00.000Z to 2026-05-01T13:00:00.000Z were missed (the machine slept, or the clock jumped ahead); fired once, for 2026-05-01T13:00:00.000Z`,
    ]);
  });

  it('arms one timer for the earliest slot, capped at 2^31-1 ms, and re-arms when schedules change', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const clock = new FakeClock(t0);
    const loop = loopOn(clock);
    loop.start();
    await settle();
    expect(clock.pending).toBe(0);
    addSchedule('@yearly', t0);
    loop.rearm();
    await settle();
    expect(clock.pending).toBe(1);
    expect(clock.delays.at(-1)).toBe(2 ** 31 - 1);
    const minute = addSchedule('* * * * *', t0);
    loop.rearm();
    await settle();
    expect(clock.pending).toBe(1);
    expect(clock.delays.at(-1)).toBe(30_000);
    store.removeSchedule(minute);
    loop.rearm();
    await settle();
    await clock.advanceTo(t0 + 5 * MIN);
    expect(slotsOf(minute)).toEqual([]);
    // A capped timer that comes due early only re-arms.
    await clock.advanceTo(t0 + 2 ** 31);
    expect(fired).toHaveLength(0);
  });

  it('applies config defaults at firing time and skips (logging) a slot whose job no longer passes the checks', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const id = addSchedule('* * * * *', t0);
    const clock = new FakeClock(t0);
    loopOn(clock).start();
    await settle();
    await settings.set('max_retries', 7);
    await clock.advanceTo(t0 + MIN);
    expect(fired.at(-1)!.max_retries).toBe(7);

    db.prepare(`UPDATE schedules SET spec = ? WHERE id = ?`).run(JSON.stringify({ command: 'x', queue: 'default', priority: 0, max_retries: 5000 }), id);
    await clock.advanceTo(t0 + 2 * MIN);
    expect(slotsOf(id)).toEqual(['2026-05-01T10:01:00.000Z']);
    expect(logged).toEqual([`schedule ${id}: skipped the slot of 2026-05-01T10:02:00.000Z: its job no longer passes the checks: max_retries must be between 0 and 1000, got 5000`]);
    expect(iso(schedule(id).next_at)).toBe('2026-05-01T10:03:00.000Z');

    db.prepare(`UPDATE schedules SET spec = ? WHERE id = ?`).run(JSON.stringify({ command: 'x', queue: 'default', priority: 0 }), id);
    await clock.advanceTo(t0 + 3 * MIN);
    expect(slotsOf(id)).toEqual(['2026-05-01T10:01:00.000Z', '2026-05-01T10:03:00.000Z']);
  });

  it('leaves a schedule that cannot fire alone (logged once) and keeps firing the others', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const broken = addSchedule('* * * * *', t0);
    const good = addSchedule('*/2 * * * *', t0);
    db.prepare(`UPDATE schedules SET cron = '99 * * * *' WHERE id = ?`).run(broken);
    const clock = new FakeClock(t0);
    loopOn(clock).start();
    await settle();
    await clock.advanceTo(t0 + 4 * MIN);
    expect(slotsOf(broken)).toEqual([]);
    expect(slotsOf(good)).toEqual(['2026-05-01T10:02:00.000Z', '2026-05-01T10:04:00.000Z']);
    expect(logged.filter((l) => l.includes(broken))).toHaveLength(1);
    expect(logged[0]).toMatch(new RegExp(`^schedule ${broken} cannot fire: its cron expression "99 \\* \\* \\* \\*" does not parse`));
  });

  it('waits out a storage fault: logged once, retried on the poll, the slot fired once when writes work again', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const id = addSchedule('* * * * *', t0);
    const clock = new FakeClock(t0);
    let refusals = 3;
    // The database refusing writes (full disk), as better-sqlite3 reports it; the loop sees only the error.
    const faulty: CronStore = {
      schedulesByNext: async () => store.schedulesByNext(),
      realignSchedule: async (move) => store.realignSchedule(move),
      environment: async (envId) => store.environment(envId),
      fireSchedule: async (firing, now) => {
        if (refusals-- > 0) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        return store.fireSchedule(firing, now);
      },
    };
    const loop = new CronLoop({ store: faulty, settings, fired: (row) => fired.push(row), log: (m) => logged.push(m), clock, pollMs: 1000 });
    loops.push(loop);
    loop.start();
    await settle();
    await clock.advanceTo(t0 + 30_000);
    expect(slotsOf(id)).toEqual([]);
    for (let i = 0; i < 3; i++) await clock.sleep(1000);
    expect(slotsOf(id)).toEqual(['2026-05-01T10:01:00.000Z']);
    expect(logged).toEqual(['schedules: cannot fire: the database refused (database or disk is full); trying again every 1000 ms', 'schedules: firing resumed']);
    expect(iso(schedule(id).next_at)).toBe('2026-05-01T10:02:00.000Z');
  });

  it('follows the wall clock back: a machine booted 3 years ahead, then corrected, fires on the real clock again', async () => {
    const wrong = at('2029-05-01T10:00:30Z');
    const clock = new FakeClock(wrong);
    const id = addSchedule('* * * * *', wrong);
    loopOn(clock).start();
    await settle();
    await clock.advanceTo(wrong + 2 * MIN);
    expect(slotsOf(id)).toEqual(['2029-05-01T10:01:00.000Z', '2029-05-01T10:02:00.000Z']);

    // NTP sets the clock back to the real time: the next poll sees it and moves next_at back.
    const real = at('2026-05-01T10:02:40Z');
    await clock.step(real - clock.now());
    expect(iso(schedule(id).next_at)).toBe('2026-05-01T10:03:00.000Z');
    expect(logged).toEqual([
      `schedules: the clock went back (it is now 2026-05-01T10:02:40.000Z); moved the next run of 1 schedule(s) back: ${id} from 2029-05-01T10:03:00.000Z to 2026-05-01T10:03:00.000Z; a slot that had its job already gets no second one`,
    ]);
    await clock.advanceTo(real + 2 * MIN);
    expect(slotsOf(id).slice(0, 2)).toEqual(['2026-05-01T10:03:00.000Z', '2026-05-01T10:04:00.000Z']);
  });

  it('after the clock went back an hour, the slots without a job fire at once; a slot that had its job gets no second', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const clock = new FakeClock(t0);
    const id = addSchedule('* * * * *', t0);
    const other = addSchedule('0 12 * * *', t0);
    loopOn(clock).start();
    await settle();
    await clock.advanceTo(at('2026-05-01T11:00:30Z'));
    expect(slotsOf(id)).toHaveLength(60);

    // Stepped back 61 minutes: 10:00 never had a job, 10:01 .. 11:00 did.
    await clock.step(-61 * MIN);
    expect(iso(schedule(id).next_at)).toBe('2026-05-01T10:00:00.000Z');
    expect(iso(schedule(other).next_at)).toBe('2026-05-01T12:00:00.000Z');
    expect(logged.at(-1)).toBe(
      `schedules: the clock went back (it is now 2026-05-01T09:59:30.000Z); moved the next run of 1 schedule(s) back: ${id} from 2026-05-01T11:01:00.000Z to 2026-05-01T10:00:00.000Z; a slot that had its job already gets no second one`,
    );
    await clock.advanceTo(at('2026-05-01T11:02:30Z'));
    const slots = slotsOf(id);
    expect(slots).toEqual([...new Set(slots)]);
    expect(slots[0]).toBe('2026-05-01T10:00:00.000Z');
    expect(slots.at(-1)).toBe('2026-05-01T11:02:00.000Z');
    expect(slots).toHaveLength(63);
    // The record of the last firing did not go back with the clock.
    expect(iso(schedule(id).last_slot!)).toBe('2026-05-01T11:02:00.000Z');
  });

  it('at start, moves back a next_at that an earlier daemon stored under a clock years ahead', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const id = addSchedule('*/5 * * * *', t0);
    db.prepare(`UPDATE schedules SET next_at = ? WHERE id = ?`).run(at('2029-01-01T00:00:00Z'), id);
    const clock = new FakeClock(t0);
    loopOn(clock).start();
    await settle();
    expect(iso(schedule(id).next_at)).toBe('2026-05-01T10:05:00.000Z');
    await clock.advanceTo(t0 + 5 * MIN);
    expect(slotsOf(id)).toEqual(['2026-05-01T10:05:00.000Z']);
  });

  it('overlap skip: a slot whose previous job has not ended (waiting, running, waiting for a retry) enqueues nothing; logged once, summed up after', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const clock = new FakeClock(t0);
    const id = addSchedule('* * * * *', t0, 'UTC', {}, 'skip');
    const allow = addSchedule('* * * * *', t0, 'UTC', { command: 'echo allow' }, 'allow');
    loopOn(clock).start();
    await settle();
    await clock.advanceTo(t0 + 5 * MIN);
    // The first job waits (no worker takes it here, as in a paused queue): 10:02 .. 10:05 enqueue nothing.
    const [first] = fired.filter((j) => j.schedule_id === id);
    expect(slotsOf(id)).toEqual(['2026-05-01T10:01:00.000Z']);
    expect(slotsOf(allow)).toHaveLength(5);
    expect(iso(schedule(id).next_at)).toBe('2026-05-01T10:06:00.000Z');
    expect(schedule(id).last_job_id).toBe(first!.id);
    expect(logged).toEqual([
      `schedule ${id}: slot 2026-05-01T10:02:00.000Z skipped, job ${first!.id} has not ended (pending); with overlap skip its next slots are skipped too until it ends`,
    ]);

    for (const state of ['processing', 'failed'] as const) {
      setState(first!.id, state);
      await clock.advanceTo(clock.now() + MIN);
      expect(slotsOf(id), state).toHaveLength(1);
    }
    expect(logged).toHaveLength(1);

    setState(first!.id, 'completed');
    await clock.advanceTo(clock.now() + MIN);
    expect(slotsOf(id)).toEqual(['2026-05-01T10:01:00.000Z', '2026-05-01T10:08:00.000Z']);
    expect(logged.at(-1)).toBe(`schedule ${id}: 6 slots from 2026-05-01T10:02:00.000Z to 2026-05-01T10:07:00.000Z were skipped while job ${first!.id} had not ended`);

    // Dead, canceled or removed: ended too.
    for (const end of ['dead', 'canceled', 'removed'] as const) {
      const last = schedule(id).last_job_id!;
      if (end === 'removed') db.prepare(`DELETE FROM jobs WHERE id = ?`).run(last);
      else setState(last, end);
      const before = slotsOf(id).length;
      await clock.advanceTo(clock.now() + MIN);
      expect(slotsOf(id), end).toHaveLength(before + 1);
    }
  });

  it('overlap skip after a restart: the missed slots and the skip are one line', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const id = addSchedule('* * * * *', t0, 'UTC', {}, 'skip');
    const before = loopOn(new FakeClock(t0 + MIN));
    before.start();
    await settle();
    before.stop();
    const job = fired[0]!;
    db.close();
    await open();
    loopOn(new FakeClock(t0 + 10 * MIN)).start();
    await settle();
    expect(slotsOf(id)).toEqual(['2026-05-01T10:01:00.000Z']);
    expect(logged).toEqual([
      `schedule ${id}: the slots from 2026-05-01T10:02:00.000Z to 2026-05-01T10:10:00.000Z were missed (the daemon was not running); the latest, 2026-05-01T10:10:00.000Z, skipped: job ${job.id} has not ended (pending); with overlap skip its next slots are skipped too until it ends`,
    ]);
  });

  it('skips (logging) a slot whose working directory was removed after the schedule was added', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const work = mkdtempSync(join(dir, 'work-'));
    const id = addSchedule('* * * * *', t0, 'UTC', { cwd: work });
    const clock = new FakeClock(t0);
    loopOn(clock).start();
    await settle();
    await clock.advanceTo(t0 + MIN);
    expect(fired.at(-1)!.cwd).toBe(work);
    rmSync(work, { recursive: true });
    await clock.advanceTo(t0 + 2 * MIN);
    expect(slotsOf(id)).toEqual(['2026-05-01T10:01:00.000Z']);
    expect(logged).toEqual([`schedule ${id}: skipped the slot of 2026-05-01T10:02:00.000Z: its job no longer passes the checks: cwd ${JSON.stringify(work)} is not an existing directory`]);
    expect(iso(schedule(id).next_at)).toBe('2026-05-01T10:03:00.000Z');
  });

  it('slots missed while the database refused writes are said to be so (not blamed on sleep or a stopped daemon)', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const id = addSchedule('* * * * *', t0);
    const clock = new FakeClock(t0);
    let refusing = true;
    const faulty: CronStore = {
      schedulesByNext: async () => store.schedulesByNext(),
      realignSchedule: async (move) => store.realignSchedule(move),
      environment: async (envId) => store.environment(envId),
      fireSchedule: async (firing, now) => {
        if (refusing) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
        return store.fireSchedule(firing, now);
      },
    };
    const loop = new CronLoop({ store: faulty, settings, fired: (row) => fired.push(row), log: (m) => logged.push(m), clock, pollMs: 1000 });
    loops.push(loop);
    loop.start();
    await settle();
    await clock.advanceTo(t0 + 140_000);
    refusing = false;
    await clock.advanceTo(t0 + 141_000);
    expect(slotsOf(id)).toEqual(['2026-05-01T10:02:00.000Z']);
    expect(logged).toEqual([
      'schedules: cannot fire: the database refused (database or disk is full); trying again every 1000 ms',
      `schedule ${id}: the slots from 2026-05-01T10:01:00.000Z to 2026-05-01T10:02:00.000Z were missed (the database refused writes); fired once, for 2026-05-01T10:02:00.000Z`,
      'schedules: firing resumed',
    ]);
  });

  it('stops firing once stopped', async () => {
    const t0 = at('2026-05-01T10:00:30Z');
    const id = addSchedule('* * * * *', t0);
    const clock = new FakeClock(t0);
    const loop = loopOn(clock);
    loop.start();
    await settle();
    loop.stop();
    await clock.advanceTo(t0 + 5 * MIN);
    await clock.sleep(HOUR);
    expect(slotsOf(id)).toEqual([]);
  });
});

describe('schedule.add and schedule.remove handlers', () => {
  let ctx: EngineContext;
  let rearmed: number;
  let stopping: boolean;
  let queuesAnnounced: number;

  beforeEach(() => {
    rearmed = 0;
    stopping = false;
    queuesAnnounced = 0;
    ctx = {
      store: api,
      settings,
      log: (m: string) => logged.push(m),
      stopping: () => stopping,
      queuesChanged: () => queuesAnnounced++,
      schedulesChanged: () => rearmed++,
    } as unknown as EngineContext;
  });

  it('stores the job as given and answers an identical schedule instead of adding it twice', async () => {
    const first = await scheduleAdd(ctx, { cron: '*/5  * * * *', command: 'make backup', tz: 'utc', cwd: '/tmp' });
    expect(first.created).toBe(true);
    expect(first.schedule).toMatchObject({ cron: '*/5 * * * *', tz: 'UTC', queue: 'default', max_retries: null, timeout_ms: null, priority: 0, name: null, cwd: '/tmp' });
    expect(JSON.parse(store.getSchedule(first.schedule.id)!.spec)).toEqual({ command: 'make backup', queue: 'default', priority: 0, cwd: '/tmp' });

    const again = await scheduleAdd(ctx, { cron: '*/5 * * * *', command: 'make backup', tz: 'UTC', cwd: '/tmp', queue: 'default', name: '', max_retries: null });
    expect(again).toEqual({ schedule: first.schedule, created: false });
    expect(rearmed).toBe(1);

    const other = await scheduleAdd(ctx, { cron: '*/5 * * * *', command: 'make backup', tz: 'UTC', cwd: '/tmp', max_retries: 3 });
    expect(other.created).toBe(true);
    expect(other.schedule.max_retries).toBe(3);
    const noTimeout = await scheduleAdd(ctx, { cron: '*/5 * * * *', command: 'make backup', timeout_ms: null });
    expect(noTimeout.schedule.timeout_ms).toBe(0);
    expect(store.listSchedules()).toHaveLength(3);
  });

  it('overlap: skip by default, allow when asked; part of what makes a schedule identical; anything else refused', async () => {
    const skip = await scheduleAdd(ctx, { cron: '* * * * *', command: 'true' });
    expect(skip.schedule.overlap).toBe('skip');
    expect(await scheduleAdd(ctx, { cron: '* * * * *', command: 'true', overlap: 'skip' })).toEqual({ schedule: skip.schedule, created: false });
    const allow = await scheduleAdd(ctx, { cron: '* * * * *', command: 'true', overlap: 'allow' });
    expect(allow).toMatchObject({ created: true, schedule: { overlap: 'allow' } });
    expect((await scheduleAdd(ctx, { cron: '* * * * *', command: 'true', overlap: 'allow' })).schedule.id).toBe(allow.schedule.id);
    for (const bad of ['queue', 'SKIP', '', 1, true]) {
      const err = await errorOfAsync(() => scheduleAdd(ctx, { cron: '* * * * *', command: 'true', overlap: bad }));
      expect(err.message, String(bad)).toBe(`overlap must be "skip" or "allow" (what a slot does while the previous job has not ended); got ${JSON.stringify(bad)}`);
    }
    expect(store.listSchedules()).toHaveLength(2);
  });

  it('the same zone written differently, or a nickname and its expansion, make the same schedule', async () => {
    const est = await scheduleAdd(ctx, { cron: '0 9 * * *', command: 'true', tz: 'est' });
    expect((await scheduleAdd(ctx, { cron: '0 9 * * *', command: 'true', tz: 'EST' })).schedule.id).toBe(est.schedule.id);
    expect((await scheduleAdd(ctx, { cron: '0 9 * * *', command: 'true', tz: 'us/eastern' })).schedule.tz).toBe('America/New_York');
    expect((await scheduleAdd(ctx, { cron: '0 9 * * *', command: 'true', tz: 'America/New_York' })).created).toBe(false);
    const daily = await scheduleAdd(ctx, { cron: '@daily', command: 'true', tz: 'UTC' });
    expect(daily.schedule.cron).toBe('@daily');
    for (const same of ['0 0 * * *', '@midnight', '@DAILY', '0  0 * * *']) {
      expect((await scheduleAdd(ctx, { cron: same, command: 'true', tz: 'utc' })), same).toEqual({ schedule: daily.schedule, created: false });
    }
    const hourly = await scheduleAdd(ctx, { cron: '0 * * * *', command: 'true' });
    expect((await scheduleAdd(ctx, { cron: '@hourly', command: 'true' })).schedule.id).toBe(hourly.schedule.id);
    expect(store.listSchedules()).toHaveLength(4);
  });

  it('makes the queue row in the same transaction (so pause --queue works before the first firing), announced once', async () => {
    const exists = () => db.prepare(`SELECT 1 FROM queues WHERE name = 'polls'`).get() !== undefined;
    expect(exists()).toBe(false);
    await scheduleAdd(ctx, { cron: '* * * * *', command: 'true', queue: 'polls' });
    expect(exists()).toBe(true);
    expect(queuesAnnounced).toBe(1);
    await scheduleAdd(ctx, { cron: '*/2 * * * *', command: 'true', queue: 'polls' });
    expect(queuesAnnounced).toBe(1);
    expect(store.setQueuePaused('polls', true, Date.now())).not.toBeNull();
  });

  it('refuses while the daemon is stopping (the cron loop has stopped): SHUTTING_DOWN, nothing stored', async () => {
    stopping = true;
    const err = await errorOfAsync(() => scheduleAdd(ctx, { cron: '* * * * *', command: 'true' }));
    expect(err.code).toBe('SHUTTING_DOWN');
    expect(err.message).toBe('the daemon is stopping; the schedule was not added. Add it again once the daemon runs');
    expect(store.listSchedules()).toEqual([]);
    expect(rearmed).toBe(0);
  });

  it(`keeps at most ${SCHEDULE_LIMITS.count} schedules; an identical one is still answered at the limit`, async () => {
    const insert = db.prepare(`INSERT INTO schedules (id, cron, tz, spec, created_at, next_at) VALUES (?, '* * * * *', NULL, ?, 0, 0)`);
    db.transaction(() => {
      for (let i = 0; i < SCHEDULE_LIMITS.count - 1; i++) insert.run(`s${i}`, JSON.stringify({ command: `echo ${i}`, queue: 'default', priority: 0 }));
    })();
    const last = await scheduleAdd(ctx, { cron: '* * * * *', command: 'echo last' });
    expect(last.created).toBe(true);
    const err = await errorOfAsync(() => scheduleAdd(ctx, { cron: '* * * * *', command: 'echo one more' }));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toBe(
      `there are ${SCHEDULE_LIMITS.count} schedules already, the limit; remove one first (queuectl schedule list, queuectl schedule remove <id>)`,
    );
    expect((await scheduleAdd(ctx, { cron: '* * * * *', command: 'echo last' })).schedule.id).toBe(last.schedule.id);
    expect(store.listSchedules()).toHaveLength(SCHEDULE_LIMITS.count);
  });

  it('refuses unknown fields and bad job fields as an enqueue does, storing nothing', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ cron: '* * * * *', command: 'x', every: 5 }, /unknown field "every" for schedule.add/],
      [{ command: 'x' }, /cron is required/],
      [{ cron: '* * * * *' }, /command is required/],
      [{ cron: '* * * * *', command: '  ' }, /command must not be empty/],
      [{ cron: '* * * * *', command: 'x', queue: 'no way' }, /queue must be 1-64 letters/],
      [{ cron: '* * * * *', command: 'x', max_retries: -1 }, /max_retries must be between 0 and 1000/],
      [{ cron: '* * * * *', command: 'x', cwd: 'relative' }, /cwd must be an absolute path/],
      [{ cron: '* * * * *', command: 'x', cwd: '/nonexistent/queuectl-dir' }, /cwd "\/nonexistent\/queuectl-dir" is not an existing directory/],
      [{ cron: '* * * * *', command: 'x', tz: 'Nowhere/Land' }, /not a known time zone/],
      [{ cron: '0 0 31 2 *', command: 'x' }, /never fires/],
    ];
    for (const [params, message] of cases) {
      const err = await errorOfAsync(() => scheduleAdd(ctx, params));
      expect(err.code, JSON.stringify(params)).toBe('INVALID_ARGUMENT');
      expect(err.message, JSON.stringify(params)).toMatch(message);
    }
    expect(store.listSchedules()).toEqual([]);
    expect(rearmed).toBe(0);
  });

  it('removes by id or unique prefix; unknown is SCHEDULE_NOT_FOUND, several matches AMBIGUOUS_ID', async () => {
    const add = (id: string) =>
      db.prepare(`INSERT INTO schedules (id, cron, tz, spec, created_at, next_at) VALUES (?, '* * * * *', NULL, '{"command":"x","queue":"default","priority":0}', 0, 0)`).run(id);
    add('abc11111');
    add('abc22222');
    add('def33333');
    expect(await errorOfAsync(() => scheduleRemove(ctx, { id: 'zzz' }))).toMatchObject({ code: 'SCHEDULE_NOT_FOUND', message: 'no schedule with id or prefix "zzz" (queuectl schedule list shows them)' });
    expect((await errorOfAsync(() => scheduleRemove(ctx, { id: 'abc' }))).code).toBe('AMBIGUOUS_ID');
    expect((await scheduleRemove(ctx, { id: 'def' })).schedule.id).toBe('def33333');
    expect((await scheduleRemove(ctx, { id: 'abc11111' })).schedule.id).toBe('abc11111');
    expect(store.listSchedules().map((s) => s.id)).toEqual(['abc22222']);
    expect(rearmed).toBe(2);
  });
});
