import { afterEach, describe, expect, it } from 'vitest';
import type { Job, StatusResult } from '../../protocol/index.js';
import { TestHome, isAlive, waitFor } from '../helpers/daemon.js';

/**
 * The design's promise: an enqueue is acknowledged only after its transaction committed. So every id the CLI
 * printed with exit 0 must still be there after the daemon is killed with SIGKILL at an arbitrary moment.
 * Four clients enqueue in a loop while the daemon is killed; the cycle repeats to hit more moments.
 */

const CYCLES = 3;
const LOOPS = 4;
/** Upper bound on enqueue calls per loop and cycle (a call costs ~130 ms of CPU, so ~25 fit in 3 s). */
const MAX_CALLS_PER_LOOP = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface LoopResult {
  ids: string[];
  /** Exit codes of calls that failed after the kill (the loop's signal to stop). */
  failuresAfterKill: number[];
  /** Calls begun after the kill that stored their job without a daemon (issue 15; also a signal to stop). */
  storedAfterKill: number;
  /** Calls that failed while the daemon was still up: none expected. */
  failuresBeforeKill: { code: number; stderr: string }[];
  /** Exit-0 calls whose stdout was not exactly one job id. */
  malformed: string[];
}

describe('durability: kill -9 of the daemon', () => {
  let t: TestHome;
  afterEach(async () => {
    await t.dispose();
  });

  it('an enqueue that returned a job id survives kill -9 of the daemon (3 kills at random moments, 4 concurrent clients)', async () => {
    t = new TestHome();
    let pid = await t.start(1);
    // Interrupted runs are retried at once, so the final drain does not wait on backoff.
    await t.ok(['config', 'set', 'backoff_factor_ms', '0']);

    const acknowledged = new Set<string>();
    const figures: string[] = [];

    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      let killedAt: number | null = null;
      let ackedThisCycle = 0;
      const loop = async (): Promise<LoopResult> => {
        const r: LoopResult = { ids: [], failuresAfterKill: [], storedAfterKill: 0, failuresBeforeKill: [], malformed: [] };
        for (let i = 0; i < MAX_CALLS_PER_LOOP; i++) {
          const began = Date.now();
          const res = await t.cli(['enqueue', 'true']);
          if (res.code === 0) {
            const id = res.stdout.trim();
            if (/^[0-9a-z]{8}$/.test(id)) {
              r.ids.push(id);
              ackedThisCycle++;
            }
            else r.malformed.push(res.stdout);
            // With the daemon gone the call stores the job itself: acknowledged all the same.
            if (killedAt !== null && began >= killedAt) {
              r.storedAfterKill++;
              break;
            }
            continue;
          }
          // A call that began before the kill may fail because of it; so may every call after it.
          if (killedAt !== null && Date.now() >= killedAt) {
            r.failuresAfterKill.push(res.code);
            break;
          }
          r.failuresBeforeKill.push({ code: res.code, stderr: res.stderr });
        }
        return r;
      };

      const loops = Array.from({ length: LOOPS }, () => loop());
      // A random moment once the clients are under way (on a loaded machine the first CLI calls can take
      // seconds), so every cycle kills the daemon while it is acknowledging enqueues.
      const started = Date.now();
      await waitFor(() => ackedThisCycle > 0, 30_000, 'the first acknowledged enqueue of this cycle');
      await sleep(300 + Math.floor(Math.random() * 1500));
      const delay = Date.now() - started;
      killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      const results = await Promise.all(loops);
      await waitFor(() => !isAlive(pid), 5000, 'the daemon to die');

      const ids = results.flatMap((r) => r.ids);
      for (const id of ids) acknowledged.add(id);
      expect(results.flatMap((r) => r.failuresBeforeKill), 'enqueue failed while the daemon was up').toEqual([]);
      expect(results.flatMap((r) => r.malformed), 'exit 0 without a job id on stdout').toEqual([]);
      // Every loop noticed the kill within its bound: a call cut off by it ("not running" (3) or a broken
      // connection (1)), or a call begun after it that stored its job without a daemon.
      for (const r of results) {
        expect(r.failuresAfterKill.length + r.storedAfterKill).toBe(1);
        for (const code of r.failuresAfterKill) expect([1, 3]).toContain(code);
      }

      pid = await t.start(1);
      const listed = new Set((await t.json<Job[]>(['list', '--limit', '100000'])).map((j) => j.id));
      const lost = [...acknowledged].filter((id) => !listed.has(id));
      const found = acknowledged.size - lost.length;
      const line =
        `cycle ${cycle}: killed after ${delay} ms; acknowledged this cycle ${ids.length} ` +
        `(total ${acknowledged.size}); jobs in db ${listed.size}; found ${found}; lost ${lost.length}; ` +
        `after kill: ${results.map((r) => (r.storedAfterKill > 0 ? 'stored' : `exit ${r.failuresAfterKill.join('')}`)).join(',')}`;
      figures.push(line);
      console.log(`durability ${line}`);
      if (lost.length > 0) console.log(`lost ids: ${lost.join(' ')}\ndaemon.log:\n${t.daemonLog()}`);
      expect(lost, `acknowledged ids missing after kill -9 #${cycle}`).toEqual([]);
      expect(ids.length, 'the loops should have enqueued something before the kill').toBeGreaterThan(0);
    }

    // Recovery left nothing stuck: every job (acknowledged or not) runs to completion after the last restart.
    const drained = await waitFor(async () => {
      const s = await t.json<StatusResult>(['status']);
      return s.counts.pending + s.counts.processing + s.counts.failed === 0 ? s : undefined;
    }, 30_000, 'every job to finish after the last restart');
    const total = Object.values(drained.counts).reduce((a, b) => a + b, 0);
    console.log(`durability summary: ${figures.length} kills, ${acknowledged.size} acknowledged, ${total} jobs, counts ${JSON.stringify(drained.counts)}`);
    expect(drained.counts.completed).toBe(total);
    expect(total).toBeGreaterThanOrEqual(acknowledged.size);
  });

  it('bulk enqueues (--stdin batches) acknowledged before kill -9 are all there after the restart', async () => {
    t = new TestHome();
    const pid = await t.start(1);
    const acknowledged: string[] = [];
    const lines = Array.from({ length: 250 }, (_, i) => `true # ${i}`).join('\n');
    let killed = false;
    const client = async (): Promise<void> => {
      for (let call = 0; call < 200 && !killed; call++) {
        const r = await t.cli(['enqueue', '--stdin'], { input: lines });
        // Every id printed was in a batch whose transaction committed before the answer.
        acknowledged.push(...r.stdout.split('\n').filter(Boolean));
        if (r.code !== 0) return;
      }
    };
    const clients = [client(), client()];
    await sleep(800 + Math.random() * 1500);
    process.kill(pid, 'SIGKILL');
    killed = true;
    await Promise.all(clients);
    await waitFor(() => !isAlive(pid) || undefined, 5000, 'the daemon to die');
    await t.start(1);
    const status = await t.json<StatusResult>(['status']);
    const stored = Object.values(status.counts).reduce((a, b) => a + b, 0);
    const ids = new Set((await t.json<Job[]>(['list', '--limit', '100000'])).map((j) => j.id));
    const lost = acknowledged.filter((id) => !ids.has(id));
    console.log(`bulk durability: ${acknowledged.length} ids acknowledged in batches of 250 before kill -9, ${stored} jobs stored after restart, lost ${lost.length}`);
    expect(acknowledged.length).toBeGreaterThan(250);
    expect(lost).toEqual([]);
  });
});
