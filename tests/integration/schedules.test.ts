import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, Schedule } from '../../protocol/index.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

/** Recurring schedules against the real daemon, in real time, through the built CLI. */

const jobsOf = async (t: TestHome, scheduleId: string): Promise<Job[]> =>
  (await t.json<Job[]>(['list', '--limit', '1000', '--sort', 'created', '--order', 'asc'])).filter((j) => j.schedule_id === scheduleId);
const schedules = async (t: TestHome): Promise<Schedule[]> => (await t.json<{ schedules: Schedule[] }>(['schedule', 'list'])).schedules;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every job a schedule enqueued, by slot, read from the daemon's database (read-only). */
function slotsInDb(t: TestHome, scheduleId: string): Array<{ slot: number; jobs: number; created: number }> {
  const db = new Database(join(t.home, 'queuectl.db'), { readonly: true, timeout: 5000 });
  try {
    return db
      .prepare<[string], { slot: number; jobs: number; created: number }>(
        `SELECT scheduled_for AS slot, count(*) AS jobs, min(created_at) AS created FROM jobs WHERE schedule_id = ? GROUP BY scheduled_for ORDER BY scheduled_for`,
      )
      .all(scheduleId);
  } finally {
    db.close();
  }
}

describe('queuectl schedule', () => {
  const t = new TestHome();

  beforeAll(async () => {
    await t.start(2);
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('fires ordinary jobs that run and complete; list shows the next and the last firing; remove stops it', async () => {
    const added = await t.cli(['schedule', 'add', '*/2 * * * * *', 'echo tick from $QUEUECTL_QUEUE', '--queue', 'cron-q', '--name', 'ticker']);
    expect(added.code).toBe(0);
    const id = added.stdout.trim();
    expect(id).toMatch(/^[0-9a-z]{8}$/);
    expect(added.stderr).toMatch(/^queuectl: next run \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? \((in [\d.]+s|now)\)\n$/);

    const done = await waitFor(async () => {
      const jobs = await jobsOf(t, id);
      return jobs.filter((j) => j.state === 'completed').length >= 2 ? jobs : undefined;
    }, 20_000, 'two completed firings');
    for (const job of done.filter((j) => j.state === 'completed')) {
      expect(job).toMatchObject({ command: 'echo tick from $QUEUECTL_QUEUE', queue: 'cron-q', name: 'ticker', schedule_id: id, exit_code: 0 });
      expect(readFileSync(job.log_path, 'utf8')).toBe('tick from cron-q\n');
    }
    // Slots two seconds apart, one job each.
    const slots = slotsInDb(t, id);
    expect(slots.every((s) => s.jobs === 1 && s.slot % 2000 === 0)).toBe(true);
    slots.slice(1).forEach((s, i) => expect(s.slot - slots[i]!.slot).toBe(2000));

    const [listed] = await schedules(t);
    expect(listed).toMatchObject({ id, cron: '*/2 * * * * *', tz: null, queue: 'cron-q', name: 'ticker', max_retries: null, timeout_ms: null, cwd: process.cwd() });
    expect(Date.parse(listed!.next_at)).toBeGreaterThan(Date.parse(listed!.last_fired_at!));
    expect((await jobsOf(t, id)).map((j) => j.id)).toContain(listed!.last_job_id);
    const table = await t.ok(['schedule', 'list']);
    expect(table.split('\n')[0]).toMatch(/^ID\s+CRON\s+TZ\s+QUEUE\s+NEXT RUN\s+LAST RUN\s+LAST JOB\s+COMMAND$/);
    expect(table).toMatch(new RegExp(`^${id}  \\*/2 \\* \\* \\* \\* \\*  local  cron-q .*\\[ticker\\] echo tick from \\$QUEUECTL_QUEUE$`, 'm'));

    expect(await t.ok(['schedule', 'remove', id.slice(0, 5)])).toBe(`removed ${id}`);
    expect(await schedules(t)).toEqual([]);
    const count = (await jobsOf(t, id)).length;
    await sleep(4500);
    expect((await jobsOf(t, id)).length).toBe(count);
  });

  it('does not add the same schedule twice; another zone or job is another schedule', async () => {
    const args = ['schedule', 'add', '0 9 * * 1-5', 'make backup', '--tz', 'Europe/Berlin', '--retries', '2'];
    const id = await t.ok(args);
    const again = await t.cli(args);
    expect(again).toEqual({ code: 0, stdout: `${id}\n`, stderr: expect.stringMatching(new RegExp(`^queuectl: already scheduled as ${id} \\(nothing added\\); next run `)) as string });
    const asJson = JSON.parse(await t.ok([...args, '--json'])) as { schedule: Schedule; created: boolean };
    expect(asJson.created).toBe(false);
    expect(asJson.schedule).toMatchObject({ id, tz: 'Europe/Berlin', max_retries: 2 });
    // 09:00 Berlin time on a weekday.
    const next = new Date(asJson.schedule.next_at);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', weekday: 'short' }).format(next)).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);

    const otherZone = await t.ok(['schedule', 'add', '0 9 * * 1-5', 'make backup', '--tz', 'UTC', '--retries', '2']);
    const otherRetries = await t.ok(['schedule', 'add', '0 9 * * 1-5', 'make backup', '--tz', 'Europe/Berlin']);
    expect(new Set([id, otherZone, otherRetries]).size).toBe(3);
    expect((await schedules(t)).map((s) => s.id)).toEqual([id, otherZone, otherRetries]);
    for (const s of [id, otherZone, otherRetries]) await t.ok(['schedule', 'remove', s]);
  });

  it('enqueues while the queue is paused: the jobs wait and run once it is resumed', async () => {
    await t.ok(['pause']);
    const id = await t.ok(['schedule', 'add', '* * * * * *', 'true', '--queue', 'held']);
    const waiting = await waitFor(async () => {
      const jobs = await jobsOf(t, id);
      return jobs.length >= 2 ? jobs : undefined;
    }, 10_000, 'two firings while paused');
    expect(waiting.every((j) => j.state === 'pending' && j.attempts === 0)).toBe(true);
    await t.ok(['schedule', 'remove', id]);
    await t.ok(['resume']);
    const ids = (await jobsOf(t, id)).map((j) => j.id);
    for (const job of ids) await t.until(job, 'completed');
  });
});

describe('a schedule across a restart', () => {
  const t = new TestHome();

  afterAll(async () => {
    await t.dispose();
  });

  it('fires each slot exactly once: the slots missed while stopped fire once, for the latest, and none twice', async () => {
    await t.start(2);
    const id = await t.ok(['schedule', 'add', '* * * * * *', 'true']);
    await waitFor(async () => (await jobsOf(t, id)).length >= 2 || undefined, 10_000, 'two firings');
    await t.stop();
    const before = slotsInDb(t, id);
    const lastBefore = before.at(-1)!.slot;

    // Several slots pass while no daemon runs.
    await sleep(3500);
    const restartAt = Date.now();
    await t.start(2);
    await waitFor(() => slotsInDb(t, id).length >= before.length + 3 || undefined, 10_000, 'firings after the restart');
    await t.stop();

    const slots = slotsInDb(t, id);
    expect(slots.every((s) => s.jobs === 1)).toBe(true);
    expect(slots.slice(0, before.length)).toEqual(before);
    // The first slot fired after the restart is the latest one that passed while stopped, fired at start-up ...
    const missed = slots[before.length]!;
    expect(missed.slot - lastBefore).toBeGreaterThanOrEqual(3000);
    expect(missed.slot).toBeLessThanOrEqual(missed.created);
    expect(missed.created).toBeGreaterThanOrEqual(restartAt);
    // ... and from there every second, each once.
    slots.slice(before.length + 1).forEach((s, i) => expect(s.slot - slots[before.length + i]!.slot).toBe(1000));
    expect(t.daemonLog()).toMatch(new RegExp(`schedule ${id}: the slots from .* passed while the daemon was not running or the machine slept; fired once, for ${new Date(missed.slot).toISOString()}`));

    // Restarted, the schedule is the same one: adding it again adds nothing.
    await t.start(1);
    const again = await t.cli(['schedule', 'add', '* * * * * *', 'true']);
    expect(again.stdout).toBe(`${id}\n`);
    expect(again.stderr).toMatch(/already scheduled/);
    expect((await schedules(t)).map((s) => s.id)).toEqual([id]);
    await t.ok(['schedule', 'remove', id]);
  });
});
