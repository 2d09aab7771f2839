import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, type Config, type ConfigKey, type JobState } from '../../protocol/index.js';
import { FinishHook, hookLogPath, type FinishHookLimits } from '../../electron/engine/finish-hook.js';
import { openDatabase } from '../../electron/engine/store/open.js';
import { sqliteStore } from '../../electron/engine/store/sqlite/index.js';
import type { JobRow } from '../../electron/engine/store/rows.js';
import { hasProcess, uniqueSleep, waitFor } from '../helpers/daemon.js';

/** The hook runner on its own (real processes, a real database for the attempt lookup, settings in memory). */

let dir: string;
let db: Database.Database;
let config: Config;
let logged: string[];
let running: Set<string>;
let hooks: FinishHook[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qctl-hook-'));
  db = openDatabase(join(dir, 'queue.db'));
  config = defaultConfig();
  logged = [];
  running = new Set();
  hooks = [];
});

afterEach(async () => {
  for (const h of hooks) h.kill();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function hook(limits: Partial<FinishHookLimits> = {}): FinishHook {
  const h = new FinishHook({
    home: dir,
    logsDir: join(dir, 'logs'),
    store: sqliteStore(db),
    settings: { get: <K extends ConfigKey>(key: K) => config[key] },
    isRunning: (id) => running.has(id),
    log: (m) => logged.push(m),
    limits,
  });
  hooks.push(h);
  return h;
}

function row(id: string, state: JobState, extra: Partial<JobRow> = {}): JobRow {
  return {
    seq: 1, id, name: null, command: `cmd ${id}`, state, attempts: 0, max_retries: 0, priority: 0, timeout_ms: null, cwd: null,
    run_at: 0, created_at: 0, updated_at: 0, started_at: null, finished_at: null, exit_code: 0, last_error: null, worker_id: null,
    queue: 'default', depends_on: null, waiting_on: 0, canceled_by: null, schedule_id: null, scheduled_for: null,
    env_id: null, umask: 0o022, notify: 0, keep_children: 0, last_line: null, ...extra,
  };
}

const marker = (id: string) => join(dir, `ran-${id}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FinishHook', () => {
  it('runs only on states a run ends in, and not at all while on_finish is empty', async () => {
    const h = hook();
    config.on_finish = '';
    h.jobChanged(row('a', 'completed'));
    config.on_finish = 'touch "ran-$QUEUECTL_JOB_ID"';
    for (const state of ['pending', 'processing'] as const) h.jobChanged(row(`x${state}`, state));
    for (const state of ['completed', 'failed', 'dead', 'canceled'] as const) h.jobChanged(row(state, state));
    await waitFor(() => ['completed', 'failed', 'dead', 'canceled'].every((s) => existsSync(marker(s))));
    expect(existsSync(marker('a'))).toBe(false);
    expect(existsSync(marker('xpending'))).toBe(false);
    expect(existsSync(marker('xprocessing'))).toBe(false);
    expect(logged).toEqual([]);
  });

  it('runs at most `running` hooks at once, queues up to `queued`, drops the rest with one count', async () => {
    const h = hook({ running: 2, queued: 3 });
    const hang = uniqueSleep(600);
    config.on_finish = `touch "ran-$QUEUECTL_JOB_ID"; ${hang}`;
    for (let i = 0; i < 8; i++) h.jobChanged(row(`j${i}`, 'completed'));
    await waitFor(() => existsSync(marker('j0')) && existsSync(marker('j1')));
    await sleep(300);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => existsSync(marker(`j${i}`)))).toEqual([true, true, false, false, false, false, false, false]);
    expect(logged).toEqual(['on_finish: 3 hook runs are waiting already; dropping further ones (first: job j5) until the queue empties']);

    // Clearing on_finish: the queued runs are not started when a slot frees up.
    config.on_finish = '';
    await h.stop();
    expect(hasProcess(hang)).toBe(false);
    expect(logged).toContain('on_finish: 3 hook run(s) not started: the daemon is stopping');
    expect(logged).toContain('on_finish: dropped 3 hook run(s) while the queue was full');
    expect(logged.some((m) => m.startsWith('on_finish: killing 2 hook(s) still running'))).toBe(true);
  }, 20_000);

  it('reports the dropped count once the queue empties', async () => {
    const h = hook({ running: 1, queued: 1 });
    config.on_finish = 'sleep 0.3';
    for (let i = 0; i < 5; i++) h.jobChanged(row(`d${i}`, 'completed'));
    await waitFor(() => logged.some((m) => m.includes('dropped 3 hook run(s) while the queue was full')), 5000);
  });

  it('logs a failure once with the job id and never retries it', async () => {
    const h = hook();
    config.on_finish = 'echo "attempt for $QUEUECTL_JOB_ID" >> runs; exit 3';
    h.jobChanged(row('f1', 'dead', { exit_code: 2 }));
    await waitFor(() => logged.length > 0);
    await sleep(500);
    expect(logged).toEqual([`on_finish hook for job f1 (dead) exited with code 3; not retried (output in ${hookLogPath(dir)})`]);
    expect(readFileSync(join(dir, 'runs'), 'utf8')).toBe('attempt for f1\n');
    expect(readFileSync(hookLogPath(dir), 'utf8')).toContain('── on_finish · job f1 (dead): exited with code 3 ──');
  });

  it('a hook the system cannot start is logged, not thrown', async () => {
    const h = hook();
    config.on_finish = 'true';
    // A NUL byte cannot be passed to a process: spawn refuses synchronously.
    expect(() => h.jobChanged(row('nul', 'completed', { command: 'echo a\0b' }))).not.toThrow();
    await waitFor(() => logged.length > 0);
    expect(logged[0]).toMatch(/^on_finish hook for job nul \(completed\) could not be started: /);
  });

  it('kills a hook that times out, with its process group', async () => {
    const h = hook({ killGraceMs: 200 });
    const hang = uniqueSleep(600);
    config.on_finish_timeout_ms = 200;
    config.on_finish = `${hang} & ${hang}`;
    h.jobChanged(row('t1', 'completed'));
    await waitFor(() => logged.length > 0, 5000);
    expect(logged[0]).toMatch(/^on_finish hook for job t1 \(completed\) timed out after 200ms; its process group was killed/);
    await waitFor(() => !hasProcess(hang), 5000);
  });

  it("a canceled job's hook waits until the job is no longer running (at most settleMs)", async () => {
    const h = hook({ settleMs: 5000 });
    config.on_finish = 'touch "ran-$QUEUECTL_JOB_ID"';
    running.add('c1');
    h.jobChanged(row('c1', 'canceled'));
    await sleep(400);
    expect(existsSync(marker('c1'))).toBe(false);
    running.delete('c1');
    await waitFor(() => existsSync(marker('c1')), 3000);

    const quick = hook({ settleMs: 200 });
    running.add('c2');
    quick.jobChanged(row('c2', 'canceled'));
    await waitFor(() => existsSync(marker('c2')), 3000);
  });

  it('after stop() nothing runs', async () => {
    const h = hook();
    config.on_finish = 'touch "ran-$QUEUECTL_JOB_ID"';
    await h.stop();
    h.jobChanged(row('late', 'completed'));
    await sleep(300);
    expect(existsSync(marker('late'))).toBe(false);
  });
});
