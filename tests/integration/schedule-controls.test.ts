import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, Schedule } from '../../protocol/index.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

/** `schedule pause | resume | run | edit` and skipped firings, against the real daemon through the built CLI. */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('queuectl schedule pause, resume, run, edit', () => {
  const t = new TestHome();
  const jobsOf = async (id: string): Promise<Job[]> => (await t.json<Job[]>(['list', '--limit', '1000'])).filter((j) => j.schedule_id === id);
  const scheduleOf = async (id: string): Promise<Schedule> => (await t.json<{ schedules: Schedule[] }>(['schedule', 'list'])).schedules.find((s) => s.id === id)!;

  beforeAll(async () => {
    await t.start(2);
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('a paused schedule fires nothing; run enqueues one job at once; resume fires again; edit changes it', async () => {
    const id = (await t.ok(['schedule', 'add', '* * * * * *', 'echo fired', '--overlap', 'allow'])).trim();
    await waitFor(async () => ((await jobsOf(id)).length > 0 ? true : undefined), 10_000, 'a first firing');

    expect(await t.ok(['schedule', 'pause', id.slice(0, 6)])).toBe(`paused ${id}`);
    expect(await t.ok(['schedule', 'pause', id])).toBe(`${id} was paused already`);
    const paused = await scheduleOf(id);
    expect(paused.next_at).toBeNull();
    expect(paused.paused_at).not.toBeNull();
    const table = await t.ok(['schedule', 'list', '--wide']);
    expect(table.split('\n').find((l) => l.startsWith(id))).toMatch(/ paused +\((now|\S+ ago)\) /);
    // A schedule firing every second fires nothing for three seconds once paused.
    const before = (await jobsOf(id)).length;
    await sleep(3000);
    expect((await jobsOf(id)).length).toBe(before);

    // Run now, while paused: one job, which runs; the schedule stays paused and names it as its last job.
    const run = await t.cli(['schedule', 'run', id]);
    expect(run.code).toBe(0);
    const jobId = run.stdout.trim();
    expect(run.stderr).toBe(`queuectl: enqueued from schedule ${id} (queuectl logs ${jobId} --follow)\n`);
    expect((await t.cli(['wait', jobId])).code).toBe(0);
    expect(await t.ok(['logs', jobId])).toBe('fired');
    expect(await scheduleOf(id)).toMatchObject({ last_job_id: jobId, next_at: null });

    const resumed = await t.cli(['schedule', 'resume', id]);
    expect(resumed).toMatchObject({ code: 0, stdout: `resumed ${id}\n` });
    expect(resumed.stderr).toMatch(/^queuectl: next run \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? \((in \S+|now)\)\n$/);
    await waitFor(async () => ((await jobsOf(id)).length > before + 1 ? true : undefined), 10_000, 'a firing after resume');

    // Edit: a new command and expression; the next run follows the new expression.
    const edited = await t.cli(['schedule', 'edit', id, '--command', 'echo edited', '--cron', '@daily', '--tz', 'UTC', '--name', 'nightly']);
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toBe(`edited ${id}\n`);
    const after = await scheduleOf(id);
    expect(after).toMatchObject({ command: 'echo edited', cron: '@daily', tz: 'UTC', name: 'nightly', overlap: 'allow', paused_at: null });
    expect(after.next_at).toMatch(/T00:00:00\.000Z$/);
    expect(await t.ok(['schedule', 'edit', id, '--name', 'nightly'])).toBe(`${id} is like that already (nothing changed)`);
    await t.ok(['schedule', 'remove', id]);
  });

  it('refuses unknown ids, an edit with nothing to change and crons that never fire, with non-zero exits', async () => {
    for (const verb of ['pause', 'resume', 'run']) {
      const r = await t.cli(['schedule', verb, 'zzzzzzzz']);
      expect(r.code, verb).toBe(1);
      expect(r.stderr).toBe('queuectl: error: no schedule with id or prefix "zzzzzzzz" (queuectl schedule list shows them)\n');
    }
    expect((await t.cli(['schedule', 'edit', 'zzzzzzzz', '--command', 'x'])).code).toBe(1);

    const id = (await t.ok(['schedule', 'add', '0 4 * * *', 'true'])).trim();
    const nothing = await t.cli(['schedule', 'edit', id]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to change: give at least one of --cron/);
    const never = /invalid cron expression "0 0 30 2 \*": it never fires \(no such date exists, e\.g\. February 30\)/;
    const viaEdit = await t.cli(['schedule', 'edit', id, '--cron', '0 0 30 2 *']);
    expect(viaEdit.code).toBe(2); // INVALID_ARGUMENT, as for add
    expect(viaEdit.stderr).toMatch(never);
    const viaAdd = await t.cli(['schedule', 'add', '0 0 30 2 *', 'true']);
    expect(viaAdd.code).toBe(2);
    expect(viaAdd.stderr).toMatch(never);
    expect((await scheduleOf(id)).cron).toBe('0 4 * * *');
    await t.ok(['schedule', 'remove', id]);
  });

  it('counts the slots overlap skip passes over and shows them in schedule list', async () => {
    const id = (await t.ok(['schedule', 'add', '* * * * * *', 'sleep 4'])).trim();
    const skipped = await waitFor(async () => {
      const s = await scheduleOf(id);
      return s.skipped >= 2 ? s : undefined;
    }, 15_000, 'two skipped slots');
    expect(Date.parse(skipped.last_skipped_at!)).toBeGreaterThan(Date.parse(skipped.last_fired_at!));
    const row = (await t.ok(['schedule', 'list', '--wide'])).split('\n').find((l) => l.startsWith(id));
    expect(row).toMatch(/ \d+, last (now|\S+ ago) /);
    await t.ok(['schedule', 'remove', id]);
  });
});
