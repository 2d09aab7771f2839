import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JOB_LIMITS, QueueError } from '../../protocol/index.js';
import { Settings } from '../../electron/engine/config/settings.js';
import { validateSpec } from '../../electron/engine/job-spec.js';
import { parseIsoTime } from '../../protocol/index.js';

const parseInstant = (text: string): number | null => parseIsoTime(text, 'required');
import { createStore, type Store } from '../../electron/engine/store/index.js';
import { openDatabase } from '../../electron/engine/store/open.js';
import { sqliteStore } from '../../electron/engine/store/sqlite/index.js';
import type { Pool } from '../../electron/engine/pool.js';
import { Scheduler } from '../../electron/engine/scheduler.js';

/** run_at in a JobSpec: checked against a controlled clock, stored no earlier than the enqueue. */
const NOW = Date.parse('2030-06-01T12:00:00Z');
const DAY = 86_400_000;

let dir: string;
let db: Database.Database;
let settings: Settings;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qctl-delay-'));
  db = openDatabase(join(dir, 'queue.db'));
  settings = await Settings.load(sqliteStore(db), () => {});
  store = createStore(db);
});

afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

const spec = (runAt: unknown) => ({ command: 'true', run_at: runAt });

function refusal(runAt: unknown, now = NOW): string {
  try {
    validateSpec(spec(runAt), settings, now);
  } catch (err) {
    expect(err).toBeInstanceOf(QueueError);
    expect((err as QueueError).code).toBe('INVALID_ARGUMENT');
    return (err as QueueError).message;
  }
  throw new Error(`run_at ${JSON.stringify(runAt)} was accepted`);
}

describe('run_at in a job spec', () => {
  it('is absent, null or an instant with a time zone', () => {
    expect(validateSpec({ command: 'true' }, settings, NOW).run_at).toBeNull();
    expect(validateSpec(spec(null), settings, NOW).run_at).toBeNull();
    expect(validateSpec(spec('2030-06-01T12:00:10Z'), settings, NOW).run_at).toBe(NOW + 10_000);
    expect(validateSpec(spec('2030-06-01T14:00:10+02:00'), settings, NOW).run_at).toBe(NOW + 10_000);
    expect(validateSpec(spec('2030-06-01T07:30-0430'), settings, NOW).run_at).toBe(NOW);
    expect(validateSpec(spec('2030-06-01 12:00:00.250z'), settings, NOW).run_at).toBe(NOW + 250);
    expect(validateSpec(spec('2030-06-01T12:00:00.123456789Z'), settings, NOW).run_at).toBe(NOW + 123);
  });

  it('refuses what is not an ISO 8601 time with a zone, naming the field and an example', () => {
    for (const bad of [5, true, {}, '', 'tomorrow', '2030-06-01', '2030-06-01T12:00', '2030-06-01T12:00:00', 'June 1, 2030 12:00 UTC', '1906-06-01T12:00Z garbage']) {
      expect(refusal(bad)).toMatch(/^run_at must be an ISO 8601 time with a time zone, e\.g\. "2030-06-01T14:00:00Z"/);
    }
  });

  it('refuses fields out of range rather than rolling them over', () => {
    for (const bad of ['2031-02-29T00:00Z', '2030-02-30T00:00Z', '2030-04-31T00:00Z', '2030-13-01T00:00Z', '2030-00-10T00:00Z', '2030-06-00T00:00Z', '2030-06-01T24:00Z', '2030-06-01T12:60Z', '2030-06-01T12:00:60Z', '2030-06-01T12:00+24:00']) {
      expect(parseInstant(bad), bad).toBeNull();
      expect(refusal(bad)).toMatch(/must be an ISO 8601 time/);
    }
    expect(parseInstant('2032-02-29T00:00Z')).toBe(Date.parse('2032-02-29T00:00:00Z'));
    expect(parseInstant('2000-02-29T00:00Z')).toBe(Date.parse('2000-02-29T00:00:00Z'));
    expect(parseInstant('2100-02-29T00:00Z')).toBeNull();
  });

  it('a time up to a minute ago is taken as now; earlier is refused as past', () => {
    const justPast = new Date(NOW - JOB_LIMITS.runAtPastMs).toISOString();
    expect(validateSpec(spec(justPast), settings, NOW).run_at).toBe(NOW - JOB_LIMITS.runAtPastMs);
    const past = new Date(NOW - JOB_LIMITS.runAtPastMs - 1).toISOString();
    expect(refusal(past)).toBe(`run_at "${past}" is in the past (it is now 2030-06-01T12:00:00.000Z); give a future time, or leave run_at out to run as soon as possible`);
    expect(refusal('2020-01-01T00:00:00Z')).toMatch(/is in the past/);
  });

  it('at most 365 days ahead', () => {
    const furthest = new Date(NOW + 365 * DAY).toISOString();
    expect(validateSpec(spec(furthest), settings, NOW).run_at).toBe(NOW + 365 * DAY);
    const beyond = new Date(NOW + 365 * DAY + 1).toISOString();
    expect(refusal(beyond)).toBe(`run_at "${beyond}" is more than 365 days ahead; that is the furthest a job can be scheduled`);
    // The same text an hour later is fine: the check follows the clock it is given.
    expect(validateSpec(spec(beyond), settings, NOW + 3_600_000).run_at).toBe(NOW + 365 * DAY + 1);
  });

  it('is the one scheduling field of the wire shape (no delay_ms)', () => {
    expect(() => validateSpec({ command: 'true', delay_ms: 5 }, settings, NOW)).toThrow(/unknown job field "delay_ms"; accepted: .*run_at/);
  });
});

describe('stored run_at', () => {
  it('is the given time, never earlier than the enqueue, and now without one', () => {
    const later = store.enqueue(validateSpec(spec('2030-06-01T12:10:00Z'), settings, NOW), NOW);
    expect(later.run_at).toBe(NOW + 600_000);
    const justPast = store.enqueue(validateSpec(spec('2030-06-01T11:59:30Z'), settings, NOW), NOW);
    expect(justPast.run_at).toBe(NOW);
    const plain = store.enqueue(validateSpec({ command: 'true' }, settings, NOW), NOW);
    expect(plain.run_at).toBe(NOW);
    const many = store.enqueueMany([validateSpec(spec('2030-06-02T12:00:00Z'), settings, NOW), validateSpec({ command: 'x' }, settings, NOW)], NOW);
    expect(many.map((id) => store.getJob(id)!.run_at)).toEqual([NOW + DAY, NOW]);
  });

  it('a delayed job is not claimed before its run_at, and is the next run_at the scheduler arms for', () => {
    const job = store.enqueue(validateSpec(spec('2030-06-01T12:00:02Z'), settings, NOW), NOW);
    expect(store.nextRunAt(NOW)).toBe(NOW + 2000);
    expect(store.claim(1, NOW + 1999)).toBeNull();
    const claimed = store.claim(1, NOW + 2000);
    expect(claimed?.job.id).toBe(job.id);
    expect(store.nextRunAt(NOW)).toBeNull();
  });
});

describe('the scheduler timer for delayed jobs', () => {
  /** One idle worker; records what it was told to run. */
  function fakePool(started: string[]): Pool {
    let busy = false;
    return {
      idleWorkers: () => (busy ? [] : [1]),
      running: () => [],
      run: (_worker: number, request: { jobId: string }) => {
        busy = true;
        started.push(request.jobId);
      },
    } as unknown as Pool;
  }

  afterEach(() => {
    vi.useRealTimers();
  });

  it('arms for a job seconds ahead and starts it on time, not at the next poll', async () => {
    vi.useFakeTimers({ now: NOW });
    const started: string[] = [];
    const scheduler = new Scheduler(sqliteStore(db), fakePool(started), settings, dir, () => {}, () => {});
    const job = store.enqueue(validateSpec(spec('2030-06-01T12:00:02.500Z'), settings, NOW), NOW);
    scheduler.dispatch(); // what an enqueue's wake() does (no safety poll started here)
    await vi.advanceTimersByTimeAsync(2499);
    expect(started).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual([job.id]);
    scheduler.halt();
  });

  it('re-arms across the 2^31-1 ms cap of Node timers for a job months ahead, and starts it on time', async () => {
    vi.useFakeTimers({ now: NOW });
    const started: string[] = [];
    const scheduler = new Scheduler(sqliteStore(db), fakePool(started), settings, dir, () => {}, () => {});
    const ahead = 300 * DAY + 1234;
    const job = store.enqueue(validateSpec(spec(new Date(NOW + ahead).toISOString()), settings, NOW), NOW);
    scheduler.dispatch();
    const cap = 2 ** 31 - 1;
    let elapsed = 0;
    while (elapsed + cap < ahead) {
      await vi.advanceTimersByTimeAsync(cap);
      elapsed += cap;
      expect(started).toEqual([]);
      expect(vi.getTimerCount()).toBe(1); // re-armed, once
    }
    await vi.advanceTimersByTimeAsync(ahead - elapsed - 1);
    expect(started).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual([job.id]);
    expect(Date.now()).toBe(NOW + ahead);
    scheduler.halt();
  });
});
