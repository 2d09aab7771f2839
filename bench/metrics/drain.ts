import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchHome, hasCommand, timed, waitCompleted } from '../lib/env.js';
import type { MetricResult } from '../lib/result.js';
import { median, round } from '../lib/stats.js';

/** One Node process spawning `sh -c true` n times, one after the other. */
const SERIAL_SPAWNER = `
const { spawn } = require('node:child_process');
let left = Number(process.argv[1]);
const next = () => { if (left-- <= 0) return; spawn('/bin/sh', ['-c', 'true'], { stdio: 'ignore' }).on('exit', next); };
next();`;

/** Floor: 2 Node processes each spawning half the jobs serially, in parallel. Jobs per second. */
async function floorRate(jobs: number): Promise<number> {
  const start = process.hrtime.bigint();
  await Promise.all([0, 1].map(() => timed(process.execPath, ['-e', SERIAL_SPAWNER, String(jobs / 2)], process.env)));
  return jobs / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** queuectl with 2 workers: from one committed batch of `jobs` × true to all completed. */
async function queuectlRate(jobs: number): Promise<number> {
  const h = new BenchHome();
  try {
    await h.start(2);
    const client = await h.connect();
    const specs = Array.from({ length: jobs }, () => ({ command: 'true', cwd: h.home }));
    const start = process.hrtime.bigint();
    await client.call('enqueue.batch', { jobs: specs });
    await waitCompleted(client, jobs, 120_000);
    const rate = jobs / (Number(process.hrtime.bigint() - start) / 1e9);
    client.close();
    return rate;
  } finally {
    await h.dispose();
  }
}

/**
 * task-spooler with 2 slots on the same jobs (`sh -c true`, output to files as tsp does by default), when
 * `tsp` is installed. Both slots are held by gate jobs while the jobs are queued, so the clock covers
 * draining only, as it does for queuectl. (tsp keeps one waiting process per queued job, forked at enqueue.)
 */
async function tspRate(jobs: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'qctl-tsp-'));
  const env = { ...process.env, TS_SOCKET: join(dir, 'socket'), TS_MAXFINISHED: String(jobs + 10), TS_MAXCONN: String(jobs + 10), TMPDIR: dir };
  const gate = join(dir, 'gate');
  try {
    await timed('tsp', ['-S', '2'], env);
    const hold = `while [ ! -e ${gate} ]; do sleep 0.01; done`;
    const queue = `exec </dev/null; tsp sh -c '${hold}' >/dev/null; tsp sh -c '${hold}' >/dev/null; for i in $(seq ${jobs}); do tsp -B sh -c true >/dev/null || exit 3; done`;
    const queued = await timed('sh', ['-c', queue], env);
    if (queued.code !== 0) throw new Error('tsp refused to queue more jobs');
    const r = await timed('sh', ['-c', `touch ${gate}; tsp -w >/dev/null 2>&1; true`], env);
    return jobs / (r.ms / 1000);
  } finally {
    await timed('tsp', ['-K'], env).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function drain(jobs = 5000, runs = 3): Promise<MetricResult> {
  const floor: number[] = [];
  const ours: number[] = [];
  for (let i = 0; i < runs; i++) {
    floor.push(await floorRate(jobs));
    ours.push(await queuectlRate(jobs));
  }
  const ratio = median(ours) / median(floor);
  // tsp keeps one waiting process and connection per queued job and stops accepting at about 1,000.
  const tspJobs = Math.min(jobs, 900);
  const tsp = hasCommand('tsp') ? await tspRate(tspJobs) : null;
  const beatsTsp = tsp === null ? true : median(ours) >= tsp;
  return {
    metric: 'drain',
    value: `${Math.round(median(ours))} jobs/s (${jobs} × true, 2 workers)`,
    floor: `${Math.round(median(floor))} jobs/s (2 serial spawners)` + (tsp === null ? '' : `; tsp -S 2: ${Math.round(tsp)} jobs/s (${tspJobs} jobs)`),
    score: round(ratio),
    target: '≥ 0.8 × floor, ≥ tsp',
    met: ratio >= 0.8 && beatsTsp,
    notes: tsp === null ? 'task-spooler (tsp) not installed: that comparison was skipped' : undefined,
    raw: { jobs, floor, queuectl: ours, tsp, tsp_jobs: tspJobs },
  };
}
