import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Attempt, Job, StatusResult } from '../../protocol/index.js';
import { TestHome, waitFor } from '../helpers/daemon.js';

type Shown = Job & { attempt_history: Attempt[] };

const CLIENTS = 20;
const PER_CLIENT = 100;
const TOTAL = CLIENTS * PER_CLIENT;
const WORKERS = 4;

/**
 * How each client enqueues. Chosen: one `enqueue --stdin` process per client with 100 lines (one batch).
 * Why: with individual `enqueue` calls (2,000 CLI processes, 20 at a time) this 2-core machine manages about
 * 12 enqueues/s while 4 workers run the jobs (each CLI process costs ~130 ms of CPU for Node's start-up);
 * measured: 20 clients × 10 calls took 16.6 s, and the full 20 × 100 test did not finish within 180 s.
 * With --stdin the clients are still 20 concurrent processes on 20 connections, committing concurrently
 * with the workers' claims, and the whole test takes ~30 s (enqueue ~5 s, drain ~18 s). Set to 'calls' to run the slow variant.
 */
const MODE = 'stdin' as 'calls' | 'stdin';

describe('exactly-once under concurrency', () => {
  let t: TestHome;
  let markers: string;
  afterEach(async () => {
    await t.dispose();
    rmSync(markers, { recursive: true, force: true });
  });

  it(`${TOTAL} jobs from ${CLIENTS} concurrent clients on ${WORKERS} workers each run exactly once`, async () => {
    t = new TestHome();
    markers = mkdtempSync(join(tmpdir(), 'qctl-markers-'));
    await t.start(WORKERS);
    const began = Date.now();

    // Job n (unique across clients) appends its own id to marker file n: a second run would add a second line.
    const command = (n: number) => `echo $QUEUECTL_JOB_ID >> ${markers}/${n}`;
    const client = async (c: number): Promise<string[]> => {
      const numbers = Array.from({ length: PER_CLIENT }, (_, i) => c * PER_CLIENT + i);
      if (MODE === 'stdin') {
        const r = await t.cli(['enqueue', '--stdin'], { input: numbers.map(command).join('\n') + '\n' });
        if (r.code !== 0) throw new Error(`client ${c}: enqueue --stdin exited ${r.code}: ${r.stderr}`);
        return r.stdout.split('\n').filter(Boolean);
      }
      const ids: string[] = [];
      for (const n of numbers) ids.push(await t.ok(['enqueue', command(n)]));
      return ids;
    };
    const perClient = await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    const enqueuedMs = Date.now() - began;
    for (const ids of perClient) expect(ids).toHaveLength(PER_CLIENT);
    const acknowledged = new Set(perClient.flat());
    expect(acknowledged.size, 'every acknowledged id is distinct').toBe(TOTAL);

    const done = await waitFor(async () => {
      const s = await t.json<StatusResult>(['status']);
      return s.counts.pending + s.counts.processing + s.counts.failed === 0 ? s : undefined;
    }, 150_000, `all ${TOTAL} jobs to finish`);
    const drainedMs = Date.now() - began;

    const jobs = await t.json<Job[]>(['list', '--limit', '100000']);
    expect(jobs).toHaveLength(TOTAL);
    expect(new Set(jobs.map((j) => j.id))).toEqual(acknowledged);
    expect(done.counts.completed).toBe(TOTAL);
    const notCompleted = jobs.filter((j) => j.state !== 'completed' || j.attempts !== 0);
    expect(notCompleted.map((j) => `${j.id} ${j.state} attempts ${j.attempts}`)).toEqual([]);

    // One marker file per job, each with exactly one line: the id of the job that owns it.
    const files = readdirSync(markers);
    expect(files).toHaveLength(TOTAL);
    const wrong: string[] = [];
    for (const j of jobs) {
      const n = /(\d+)$/.exec(j.command)![1]!;
      const text = readFileSync(join(markers, n), 'utf8');
      if (text !== `${j.id}\n`) wrong.push(`${n}: ${JSON.stringify(text)} (job ${j.id})`);
    }
    expect(wrong, 'marker files with other than exactly one line holding the job id').toEqual([]);

    // A sample of the run history: one attempt each, completed. Spread across the whole range.
    const sample = jobs.filter((_, i) => i % Math.floor(TOTAL / 25) === 0);
    const workersSeen = new Set<number | null>();
    for (const j of sample) {
      const shown = await t.json<Shown>(['show', j.id]);
      expect(shown.attempt_history.map((a) => a.outcome), `attempt history of ${j.id}`).toEqual(['completed']);
      workersSeen.add(shown.attempt_history[0]!.worker_id);
    }

    console.log(
      `concurrency: ${CLIENTS} clients × ${PER_CLIENT} (${MODE}); enqueued ${acknowledged.size} in ${enqueuedMs} ms; ` +
        `all finished after ${drainedMs} ms; jobs ${jobs.length}, completed ${done.counts.completed}, ` +
        `marker files ${files.length}, wrong markers ${wrong.length}; sample ${sample.length} with one run each on workers ${[...workersSeen].sort().join(',')}`,
    );
  }, 180_000);
});
