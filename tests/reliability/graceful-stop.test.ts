import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Attempt, Job, StatusResult } from '../../protocol/index.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

type Shown = Job & { attempt_history: Attempt[] };

const PENDING = 500;

describe('graceful stop under load', () => {
  let t: TestHome;
  afterEach(async () => {
    await t.dispose();
  });

  it('worker stop lets the 2 running jobs complete and starts none of the 500 pending; after a restart all 502 complete', async () => {
    t = new TestHome();
    await t.start(2);

    /*
     * The two running jobs: `sleep 1.5; echo done`, held at the start by a gate file the test creates only once
     * the daemon has received the stop. A first version used a bare `sleep 1.5` (then 2.5): under load (this
     * file next to the durability test on 2 cores) the sleepers sometimes finished before the stop arrived, a
     * worker went idle and rightly ran pending jobs (48 in one run), so the test failed without a bug. With the
     * gate both workers are provably busy until the stop is in effect, and the stop still has to wait ≥ 1.5 s.
     * The gate wait is bounded (600 × 50 ms).
     */
    const gate = join(t.home, 'gate');
    const sleeper = `for i in $(seq 600); do [ -e ${gate} ] && break; sleep 0.05; done; sleep 1.5; echo done`;

    // Two long jobs take both workers; the high priority makes them the first claims.
    const sleepers = [await t.ok(['enqueue', sleeper, '--priority', '10']), await t.ok(['enqueue', sleeper, '--priority', '10'])];
    await waitFor(async () => {
      const s = await t.json<StatusResult>(['status']);
      return s.counts.processing === 2 && sleepers.every((id) => s.workers.some((w) => w.job_id === id));
    }, 10_000, 'both sleepers to be processing');

    // Both workers are busy, so these stay pending.
    const input = Array.from({ length: PENDING }, (_, i) => `true # ${i}`).join('\n') + '\n';
    const enq = await t.cli(['enqueue', '--stdin'], { input });
    expect(enq.code, enq.stderr).toBe(0);
    const pending = enq.stdout.split('\n').filter(Boolean);
    expect(pending).toHaveLength(PENDING);

    const stopBegan = Date.now();
    const stopping = t.cli(['worker', 'stop']);
    await waitFor(() => /stopping: 2 running job/.test(t.daemonLog()), 10_000, 'the daemon to begin stopping with 2 running jobs');
    const released = Date.now();
    writeFileSync(gate, '');
    const stop = await stopping;
    const stopMs = Date.now() - stopBegan;
    const afterReleaseMs = Date.now() - released;
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(/stopped/);
    // The stop waited for the running jobs (each still had 1.5 s to go when the gate opened).
    expect(afterReleaseMs).toBeGreaterThanOrEqual(1500);

    // The daemon is gone: read the database file itself, before a restart can run anything.
    const db = new Database(join(t.home, 'queuectl.db'), { readonly: true, fileMustExist: true });
    let counts: Record<string, number>;
    let pendingAttempts: { job_id: string; outcome: string; state: string }[];
    let sleeperRuns: { job_id: string; outcome: string; exit_code: number | null; state: string }[];
    let untouched: Set<string>;
    try {
      counts = Object.fromEntries(
        (db.prepare('SELECT state, count(*) AS n FROM jobs GROUP BY state').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]),
      );
      const placeholders = sleepers.map(() => '?').join(',');
      pendingAttempts = db
        .prepare(`SELECT a.job_id, a.outcome, j.state FROM attempts a JOIN jobs j ON j.id = a.job_id WHERE a.job_id NOT IN (${placeholders}) ORDER BY a.id`)
        .all(...sleepers) as typeof pendingAttempts;
      sleeperRuns = db
        .prepare(`SELECT a.job_id, a.outcome, a.exit_code, j.state FROM attempts a JOIN jobs j ON j.id = a.job_id WHERE a.job_id IN (${placeholders}) ORDER BY a.job_id, a.number`)
        .all(...sleepers) as typeof sleeperRuns;
      untouched = new Set((db.prepare(`SELECT id FROM jobs WHERE state = 'pending' AND attempts = 0`).all() as { id: string }[]).map((r) => r.id));
    } finally {
      db.close();
    }
    const missing = pending.filter((id) => !untouched.has(id));
    console.log(
      `graceful stop: worker stop took ${stopMs} ms (${afterReleaseMs} ms after the running jobs were released); db after stop: ${JSON.stringify(counts)}; ` +
        `attempt rows of the ${PENDING} pending: ${pendingAttempts.length}; acknowledged ids not pending with 0 attempts: ${missing.length}; ` +
        `sleeper runs: ${sleeperRuns.map((r) => `${r.job_id} ${r.outcome}/${r.exit_code}/${r.state}`).join(', ')}`,
    );
    if (missing.length > 0 || pendingAttempts.length > 0) {
      console.log(`not untouched: ${missing.join(' ')}\nattempts: ${JSON.stringify(pendingAttempts)}\ndaemon.log:\n${t.daemonLog()}`);
    }
    expect(counts).toEqual({ completed: 2, pending: PENDING });
    expect(pendingAttempts).toEqual([]);
    expect(missing, 'acknowledged jobs that are not pending with 0 attempts').toEqual([]);
    expect(untouched.size).toBe(PENDING);
    expect(sleeperRuns.map((r) => [r.outcome, r.exit_code, r.state])).toEqual([
      ['completed', 0, 'completed'],
      ['completed', 0, 'completed'],
    ]);
    for (const id of sleepers) expect(readFileSync(join(t.home, 'logs', `${id}.log`), 'utf8')).toBe('done\n');

    // Restart: the queue resumes and every job runs once.
    const restartBegan = Date.now();
    await t.start(2);
    const done = await waitFor(async () => {
      const s = await t.json<StatusResult>(['status']);
      return s.counts.completed === PENDING + 2 ? s : undefined;
    }, 40_000, `all ${PENDING + 2} jobs to complete after the restart`);
    const drainMs = Date.now() - restartBegan;
    expect(done.counts.pending + done.counts.processing + done.counts.failed + done.counts.dead).toBe(0);
    const jobs = await t.json<Job[]>(['list', '--limit', '100000']);
    expect(jobs).toHaveLength(PENDING + 2);
    expect(jobs.filter((j) => j.state !== 'completed' || j.attempts !== 0).map((j) => j.id)).toEqual([]);
    for (const id of [pending[0]!, pending[PENDING - 1]!, ...sleepers]) {
      expect((await t.json<Shown>(['show', id])).attempt_history.map((a) => a.outcome), id).toEqual(['completed']);
    }
    console.log(`graceful stop: after the restart all ${PENDING + 2} completed in ${drainMs} ms`);
  });
});
