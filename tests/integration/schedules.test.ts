import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, Schedule } from '../../protocol/index.js';
import { CLI, TestHome, waitFor, type CliResult } from '../helpers/daemon.js';
import { storeQuery } from '../helpers/home-store.js';
import { hasScript } from '../helpers/terminal.js';

/** Recurring schedules against the real daemon, in real time, through the built CLI. */

const jobsOf = async (t: TestHome, scheduleId: string): Promise<Job[]> =>
  (await t.json<Job[]>(['list', '--limit', '1000', '--sort', 'created', '--order', 'asc'])).filter((j) => j.schedule_id === scheduleId);
const schedules = async (t: TestHome): Promise<Schedule[]> => (await t.json<{ schedules: Schedule[] }>(['schedule', 'list'])).schedules;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the CLI on a terminal `columns` wide (through `script`); stdout and stderr are one stream there. */
function onTerminal(t: TestHome, args: string[], columns: number): Promise<CliResult> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const line = `exec ${[process.execPath, CLI, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', line, '/dev/null'], { env: t.env({ TERM: 'dumb', COLUMNS: String(columns), LINES: undefined }) });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: stdout.replace(/\r\n/g, '\n'), stderr: '' }));
    child.stdin.end();
  });
}

/** Every job a schedule enqueued, by slot, read from the daemon's store. */
async function slotsInDb(t: TestHome, scheduleId: string): Promise<Array<{ slot: number; jobs: number; created: number }>> {
  const ms = (column: string) => `(extract(epoch from ${column}) * 1000)::float8`;
  const sql = {
    sqlite: `SELECT scheduled_for AS slot, count(*) AS jobs, min(created_at) AS created FROM jobs WHERE schedule_id = ? GROUP BY scheduled_for ORDER BY scheduled_for`,
    postgres: `SELECT ${ms('scheduled_for')} AS slot, count(*)::int AS jobs, ${ms('min(created_at)')} AS created FROM queuectl.jobs WHERE schedule_id = $1 GROUP BY scheduled_for ORDER BY scheduled_for`,
  };
  return (await storeQuery<{ slot: number; jobs: number; created: number }>(t, sql, [scheduleId])).rows;
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
    const added = await t.cli(['schedule', 'add', '*/2 * * * * *', 'echo tick from $QUEUECTL_QUEUE', '--queue', 'cron-q', '--name', 'ticker', '--overlap', 'allow']);
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
    const slots = await slotsInDb(t, id);
    expect(slots.every((s) => s.jobs === 1 && s.slot % 2000 === 0)).toBe(true);
    slots.slice(1).forEach((s, i) => expect(s.slot - slots[i]!.slot).toBe(2000));

    const [listed] = await schedules(t);
    expect(listed).toMatchObject({ id, cron: '*/2 * * * * *', tz: null, queue: 'cron-q', name: 'ticker', max_retries: null, timeout_ms: null, cwd: process.cwd(), overlap: 'allow' });
    expect(Date.parse(listed!.next_at!)).toBeGreaterThan(Date.parse(listed!.last_fired_at!));
    expect((await jobsOf(t, id)).map((j) => j.id)).toContain(listed!.last_job_id);
    const table = await t.ok(['schedule', 'list']);
    expect(table.split('\n')[0]).toMatch(/^ID\s+QUEUE\s+CRON\s+TZ\s+NEXT RUN\s+LAST RUN\s+LAST JOB\s+SKIPPED\s+OVERLAP\s+COMMAND$/);
    expect(table).toMatch(new RegExp(`^${id}  cron-q  \\*/2 \\* \\* \\* \\* \\*  local  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d(:\\d\\d)?  +\\((in [\\d.]+s|now)\\) .* allow +\\[ticker\\] echo tick from \\$QUEUECTL_QUEUE$`, 'm'));

    // At 80 columns: CRON and TZ in full, never cut; what gives way is the command, LAST JOB, LAST RUN, OVERLAP, "(in …)".
    if (hasScript) {
      const berlin = await t.ok(['schedule', 'add', '0 9 * * *', 'echo from berlin', '--tz', 'Europe/Berlin', '--queue', 'cron-q']);
      const narrow = await onTerminal(t, ['schedule', 'list'], 80);
      expect(narrow.code).toBe(0);
      const lines = narrow.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
      expect(lines[0]).toMatch(/^ID\s+QUEUE\s+CRON\s+TZ\s+NEXT RUN\s+COMMAND$/);
      expect(lines[1]).toMatch(new RegExp(`^${id}  cron-q  \\*/2 \\* \\* \\* \\* \\*  local {10}\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d(:\\d\\d)?  +\\[ticker\\] e`));
      // NEXT RUN is in the zone of its TZ column: 09:00 in Berlin.
      expect(lines[2]).toMatch(new RegExp(`^${berlin}  cron-q  0 9 \\* \\* \\* {6}Europe/Berlin  \\d{4}-\\d\\d-\\d\\d 09:00 +echo`));
      await t.ok(['schedule', 'remove', berlin]);
    }

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
    const next = new Date(asJson.schedule.next_at!);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', weekday: 'short' }).format(next)).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    // Its next run is said in its own zone, named: 09:00 Europe/Berlin, not the local time unmarked.
    expect(again.stderr).toMatch(/next run \d{4}-\d\d-\d\d 09:00 Europe\/Berlin \(in /);
    expect(await t.ok(['schedule', 'list'])).toMatch(new RegExp(`^${id} .*  Europe/Berlin  \\d{4}-\\d\\d-\\d\\d 09:00  `, 'm'));

    const otherZone = await t.ok(['schedule', 'add', '0 9 * * 1-5', 'make backup', '--tz', 'UTC', '--retries', '2']);
    const otherRetries = await t.ok(['schedule', 'add', '0 9 * * 1-5', 'make backup', '--tz', 'Europe/Berlin']);
    expect(new Set([id, otherZone, otherRetries]).size).toBe(3);
    expect((await schedules(t)).map((s) => s.id)).toEqual([id, otherZone, otherRetries]);
    // The zone in any letter case, or an alias, is stored in its canonical spelling: the same schedule.
    const est = await t.cli(['schedule', 'add', '0 9 * * 1-5', 'make backup', '--tz', 'est']);
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: 'EST' }).resolvedOptions().timeZone;
    expect(est.stderr).toContain(`queuectl: --tz est is the zone ${canonical}\n`);
    const estId = est.stdout.trim();
    expect((await schedules(t)).find((s) => s.id === estId)!.tz).toBe(canonical);
    expect(await t.ok(['schedule', 'add', '0 9 * * 1-5', 'make backup', '--tz', 'EST'])).toBe(estId);
    // Overlap is part of what makes a schedule the same one.
    const allow = await t.ok([...args, '--overlap', 'allow']);
    expect(allow).not.toBe(id);
    expect(await t.ok([...args, '--overlap', 'skip'])).toBe(id);
    for (const s of [id, otherZone, otherRetries, estId, allow]) await t.ok(['schedule', 'remove', s]);
  });

  it('makes its queue at once: pause --queue works before the first firing', async () => {
    const id = await t.ok(['schedule', 'add', '@yearly', 'echo poll', '--queue', 'polls']);
    const paused = await t.cli(['pause', '--queue', 'polls']);
    expect(paused.code, paused.stderr).toBe(0);
    await t.ok(['resume', '--queue', 'polls']);
    await t.ok(['schedule', 'remove', id]);
  });

  it('schedule add --help fits 80 columns and shows the queue default as enqueue does', async () => {
    const help = await t.ok(['schedule', 'add', '--help']);
    for (const l of help.split('\n')) expect(l.length, l).toBeLessThanOrEqual(80);
    expect(help).toContain('(default: "default")');
    expect(help).toMatch(/--overlap <skip\|allow>/);
  });

  it('enqueues while the queue is paused: with overlap skip one job waits and the next slots are skipped (logged); with allow they pile up', async () => {
    await t.ok(['pause']);
    const skip = await t.ok(['schedule', 'add', '* * * * * *', 'true', '--queue', 'held']);
    const allow = await t.ok(['schedule', 'add', '* * * * * *', 'true', '--queue', 'held', '--overlap', 'allow']);
    const waiting = await waitFor(async () => {
      const jobs = await jobsOf(t, allow);
      return jobs.length >= 3 ? jobs : undefined;
    }, 10_000, 'three firings while paused');
    expect(waiting.every((j) => j.state === 'pending' && j.attempts === 0)).toBe(true);
    const [first, ...more] = await jobsOf(t, skip);
    expect(more).toEqual([]);
    expect(first).toMatchObject({ state: 'pending', queue: 'held' });
    expect(t.daemonLog()).toMatch(new RegExp(`schedule ${skip}: slot \\S+ skipped, job ${first!.id} has not ended \\(pending\\); with overlap skip its next slots are skipped too until it ends`));
    expect((await schedules(t)).find((s) => s.id === skip)).toMatchObject({ overlap: 'skip', last_job_id: first!.id });
    await t.ok(['schedule', 'remove', skip]);
    await t.ok(['schedule', 'remove', allow]);
    await t.ok(['resume']);
    for (const job of [first!.id, ...waiting.map((j) => j.id)]) await t.until(job, 'completed');
  });
});

describe('a schedule across a restart', () => {
  const t = new TestHome();

  afterAll(async () => {
    await t.dispose();
  });

  it('fires each slot exactly once: the slots missed while stopped fire once, for the latest, and none twice', async () => {
    await t.start(2);
    const id = await t.ok(['schedule', 'add', '* * * * * *', 'true', '--overlap', 'allow']);
    await waitFor(async () => (await jobsOf(t, id)).length >= 2 || undefined, 10_000, 'two firings');
    await t.stop();
    const before = await slotsInDb(t, id);
    const lastBefore = before.at(-1)!.slot;

    // Several slots pass while no daemon runs.
    await sleep(3500);
    const restartAt = Date.now();
    await t.start(2);
    await waitFor(async () => (await slotsInDb(t, id)).length >= before.length + 3 || undefined, 10_000, 'firings after the restart');
    await t.stop();

    const slots = await slotsInDb(t, id);
    expect(slots.every((s) => s.jobs === 1)).toBe(true);
    expect(slots.slice(0, before.length)).toEqual(before);
    // The first slot fired after the restart is the latest one that passed while stopped, fired at start-up ...
    const missed = slots[before.length]!;
    expect(missed.slot - lastBefore).toBeGreaterThanOrEqual(3000);
    expect(missed.slot).toBeLessThanOrEqual(missed.created);
    expect(missed.created).toBeGreaterThanOrEqual(restartAt);
    // ... and from there every second, each once.
    slots.slice(before.length + 1).forEach((s, i) => expect(s.slot - slots[before.length + i]!.slot).toBe(1000));
    expect(t.daemonLog()).toMatch(new RegExp(`schedule ${id}: the slots from .* were missed \\(the daemon was not running\\); fired once, for ${new Date(missed.slot).toISOString()}`));

    // Restarted, the schedule is the same one: adding it again adds nothing.
    await t.start(1);
    const again = await t.cli(['schedule', 'add', '* * * * * *', 'true', '--overlap', 'allow']);
    expect(again.stdout).toBe(`${id}\n`);
    expect(again.stderr).toMatch(/already scheduled/);
    expect((await schedules(t)).map((s) => s.id)).toEqual([id]);
    await t.ok(['schedule', 'remove', id]);
  });
});
