import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { NO_DAEMON_NOTE } from '../helpers/bad-input.js';
import { TestHome, startCli, waitFor, type CliResult } from '../helpers/daemon.js';

/** The note is printed exactly once, first, and the command did what it was asked (exit 0). */
function storedHere(r: CliResult, what: string): void {
  expect(r.code, `${what}: ${r.stderr}`).toBe(0);
  expect(r.stderr, what).toMatch(NO_DAEMON_NOTE);
  expect(r.stderr.match(/no daemon is running/g), what).toHaveLength(1);
}

/**
 * Issue 15: with no daemon, the commands that only need the store work on it in-process (the engine's own
 * dispatch, out/node/local.js), say so once, and the jobs run once a daemon starts.
 */
describe('every store command with no daemon, from a fresh home', () => {
  const t = new TestHome();
  afterAll(() => t.dispose());
  const run = async (args: string[], input?: string): Promise<CliResult> => {
    const r = await t.cli(args, input === undefined ? {} : { input });
    storedHere(r, args.join(' '));
    return r;
  };

  it('enqueue (plain, --json, a JSON spec with timeout in seconds, --stdin) stores pending jobs', async () => {
    const plain = (await run(['enqueue', 'echo plain'])).stdout.trim();
    const asJson = JSON.parse((await run(['enqueue', '--json', 'echo json'])).stdout) as Job;
    expect(asJson).toMatchObject({ command: 'echo json', state: 'pending', attempts: 0 });
    await run(['enqueue', '{"id":"spec1","command":"echo spec","timeout":2.5}']);
    const batch = (await run(['enqueue', '--stdin'], 'echo one\necho two\n')).stdout.trim().split('\n');
    expect(batch).toHaveLength(2);
    const jobs = JSON.parse((await run(['list', '--json'])).stdout) as Job[];
    expect(jobs.map((j) => j.state)).toEqual(['pending', 'pending', 'pending', 'pending', 'pending']);
    expect(new Set(jobs.map((j) => j.id))).toEqual(new Set([plain, asJson.id, 'spec1', ...batch]));
    expect(jobs.find((j) => j.id === 'spec1')!.timeout_ms).toBe(2500);
  });

  it('list, show, logs and status read the store; status says no daemon runs', async () => {
    expect((await run(['list'])).stdout).toMatch(/^ID\s+STATE\s+RUNS\s/);
    expect((await run(['show', 'spec1'])).stdout).toMatch(/runs\s+0\/4 \(runs used of runs allowed/);
    expect((await run(['logs', 'spec1'])).stdout).toBe('');
    const status = await run(['status']);
    expect(status.stdout).toMatch(/^queuectl \S+ · no daemon running: nothing runs until queuectl worker start$/m);
    expect(status.stdout).toMatch(/pending\s+5/);
    const json = JSON.parse((await run(['status', '--json'])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ daemon_running: false, pid: null, started_at: null, uptime_ms: null, workers: [] });
    expect((json.counts as Record<string, number>).pending).toBe(5);
  });

  it('config get, set (names and aliases) and list', async () => {
    expect((await run(['config', 'set', 'max-retries', '2'])).stdout.trim()).toBe('max_retries = 2');
    expect((await run(['config', 'set', 'job-timeout', '30'])).stdout.trim()).toBe('job_timeout_ms = 30000');
    expect((await run(['config', 'get', 'job-timeout'])).stdout.trim()).toBe('30');
    expect((await run(['config', 'get', 'job_timeout_ms'])).stdout.trim()).toBe('30000');
    expect((await run(['config', 'set', 'poll-interval-ms', '500'])).stdout.trim()).toBe('tick_interval_ms = 500');
    expect((await run(['config', 'list'])).stdout).toMatch(/^max_retries\s+2\s/m);
    const aliases = await t.cli(['config', 'list', '--aliases']);
    expect(aliases.stdout).toMatch(/^job-timeout\s+job_timeout_ms\s+seconds$/m);
    await run(['config', 'set', 'job-timeout', '0']);
  });

  it('cancel of a pending job, retry, rm and clean', async () => {
    const id = (await run(['enqueue', 'echo canceled'])).stdout.trim();
    expect((await run(['cancel', id])).code).toBe(0);
    await run(['retry', id]);
    await run(['cancel', id]);
    await run(['rm', id]);
    expect(JSON.parse((await run(['list', '--json', '--state', 'canceled'])).stdout)).toEqual([]);
    const again = (await run(['enqueue', 'echo cleaned'])).stdout.trim();
    await run(['cancel', again]);
    expect(JSON.parse((await run(['clean', '--yes', '--json'])).stdout)).toMatchObject({ count: 1 });
  });

  it('dlq list, retry --all and purge on an empty DLQ; queue list and set; pause and resume; schedules', async () => {
    await run(['dlq', 'list']);
    await run(['dlq', 'retry', '--all']);
    await run(['dlq', 'purge', '--yes']);
    await run(['queue', 'set', 'gpu', '--parallel', '1']);
    expect((await run(['queue', 'list'])).stdout).toMatch(/^gpu\s/m);
    await run(['pause', '--queue', 'gpu']);
    await run(['resume', '--queue', 'gpu']);
    await run(['pause']);
    await run(['resume']);
    const added = (JSON.parse((await run(['schedule', 'add', '--json', '@yearly', 'echo yearly'])).stdout) as { schedule: { id: string } }).schedule;
    expect((await run(['schedule', 'list'])).stdout).toContain('echo yearly');
    await run(['schedule', 'remove', added.id]);
  });

  it('ui needs a running daemon: exit 3 with that reason, as wait and --follow', async () => {
    const r = await t.cli(['ui', '--web']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no queuectl daemon is running for .*: ui needs one, with its workers\n\s+start one with: queuectl worker start/);
  });

  it('then worker start runs every job that was stored', async () => {
    await t.start(2);
    const jobs = JSON.parse(await t.ok(['list', '--json'])) as Job[];
    expect(jobs).toHaveLength(5);
    for (const job of jobs) await t.until(job.id, 'completed');
    expect(await t.ok(['logs', 'spec1'])).toBe('spec');
  });

  it('with the daemon stopped, rm deletes the log of the job it removes', async () => {
    const { log_path: log } = await t.show('spec1');
    expect(existsSync(log)).toBe(true);
    await t.stop();
    storedHere(await t.cli(['rm', 'spec1']), 'rm');
    expect(existsSync(log)).toBe(false);
  });
});

describe('commands racing a daemon that starts meanwhile', () => {
  const t = new TestHome();
  afterAll(() => t.dispose());

  it('every enqueue is stored once and runs once; nobody sees "database is locked"', async () => {
    const enqueues = Array.from({ length: 12 }, (_, i) => startCli(t, ['enqueue', '--json', `{"id":"race${i}","command":"echo ${i}"}`]));
    const starting = t.start(2);
    const more = Array.from({ length: 6 }, (_, i) => startCli(t, ['enqueue', '--json', `{"id":"late${i}","command":"echo ${i}"}`]));
    const results = await Promise.all([...enqueues, ...more].map((c) => c.done));
    await starting;
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/locked|SQLITE_BUSY/i);
    }
    const ids = results.map((r) => (JSON.parse(r.stdout) as Job).id);
    expect(new Set(ids).size).toBe(18);
    for (const id of ids) {
      const job = await t.until(id, 'completed');
      expect(job.attempt_history).toHaveLength(1);
    }
    expect(JSON.parse(await t.ok(['list', '--json', '--limit', '100']))).toHaveLength(18);
  });
});

describe('config autostart', () => {
  const t = new TestHome();
  afterAll(() => t.dispose());

  it('off (the default): a command works on the store and starts nothing', async () => {
    storedHere(await t.cli(['enqueue', 'echo first']), 'enqueue');
    expect(await t.answers()).toBe(false);
  });

  it('on: a command that finds no daemon starts one in the background and goes on through it', async () => {
    storedHere(await t.cli(['config', 'set', 'autostart', 'true']), 'config set');
    const r = await t.cli(['enqueue', 'echo second']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/no daemon was running; started one in the background \(pid \d+; config autostart is on\)/);
    expect(r.stderr).not.toMatch(/working on the store directly/);
    expect(await t.answers()).toBe(true);
    await waitFor(async () => (JSON.parse(await t.ok(['list', '--json'])) as Job[]).every((j) => j.state === 'completed'), 20_000, 'both jobs to run');
    expect(await t.ok(['config', 'get', 'autostart'])).toBe('1');
  });
});
