import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchHome, hasCommand, timed, waitCompleted } from '../lib/env.js';
import { SERIAL_POSIX_SPAWNER, SPAWN_ADDON, spawnAddon } from '../lib/posix-spawn.js';
import type { PgServer } from '../lib/postgres.js';
import type { MetricResult } from '../lib/result.js';
import { median, round } from '../lib/stats.js';

/** One Node process spawning `sh -c true` n times, one after the other. */
const SERIAL_SPAWNER = `
const { spawn } = require('node:child_process');
let left = Number(process.argv[1]);
const next = () => { if (left-- <= 0) return; spawn('/bin/sh', ['-c', 'true'], { stdio: 'ignore' }).on('exit', next); };
next();`;

/**
 * Floor: 2 Node processes each spawning half the jobs serially, in parallel. Jobs per second. `fork`: libuv's
 * child_process.spawn (a fork of the Node process); `posix_spawn`: the workers' addon (no fork of the heap),
 * what the machine can do and the floor the target is judged on.
 */
async function floorRate(jobs: number, how: 'fork' | 'posix_spawn'): Promise<number> {
  const args = how === 'fork' ? ['-e', SERIAL_SPAWNER, String(jobs / 2)] : ['-e', SERIAL_POSIX_SPAWNER, String(jobs / 2), SPAWN_ADDON];
  const start = process.hrtime.bigint();
  await Promise.all([0, 1].map(() => timed(process.execPath, args, process.env)));
  return jobs / (Number(process.hrtime.bigint() - start) / 1e9);
}

/**
 * queuectl with 2 workers: from one committed batch of `jobs` × true to all completed; on the bench's store,
 * or on `server` (null: SQLite) when given.
 */
export async function queuectlRate(jobs: number, server?: PgServer | null): Promise<number> {
  const h = new BenchHome(server);
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
  const posix = spawnAddon() !== null;
  const forkFloor: number[] = [];
  const posixFloor: number[] = [];
  const ours: number[] = [];
  for (let i = 0; i < runs; i++) {
    forkFloor.push(await floorRate(jobs, 'fork'));
    if (posix) posixFloor.push(await floorRate(jobs, 'posix_spawn'));
    ours.push(await queuectlRate(jobs));
  }
  // Judged on the posix_spawn floor where the addon is built (what the machine can do), else on fork's.
  const floor = posix ? median(posixFloor) : median(forkFloor);
  const ratio = median(ours) / floor;
  const forkRatio = median(ours) / median(forkFloor);
  // tsp keeps one waiting process and connection per queued job and stops accepting at about 1,000.
  const tspJobs = Math.min(jobs, 900);
  const tsp = hasCommand('tsp') ? await tspRate(tspJobs) : null;
  const tspRatio = tsp === null ? null : median(ours) / tsp;
  const notes = [
    tsp === null ? 'task-spooler (tsp) not installed: that comparison was skipped' : null,
    posix ? null : `the posix_spawn addon is not built (${SPAWN_ADDON}): judged on the fork floor`,
  ].filter((n) => n !== null);
  return {
    metric: 'drain',
    value: `${Math.round(median(ours))} jobs/s (${jobs} × true, 2 workers); ${round(forkRatio)} × fork floor` + (tspRatio === null ? '' : `; ${round(tspRatio)} × tsp`),
    floor:
      (posix ? `posix_spawn: ${Math.round(median(posixFloor))} jobs/s; ` : '') +
      `fork: ${Math.round(median(forkFloor))} jobs/s (2 serial spawners)` +
      (tsp === null ? '' : `; tsp -S 2: ${Math.round(tsp)} jobs/s (${tspJobs} jobs)`),
    score: round(ratio),
    target: '≥ 0.8 × posix_spawn floor, ≥ 1.5 × tsp',
    met: ratio >= 0.8 && (tspRatio === null || tspRatio >= 1.5),
    notes: notes.length ? notes.join('; ') : undefined,
    raw: { jobs, floor_posix_spawn: posixFloor, floor_fork: forkFloor, queuectl: ours, tsp, tsp_jobs: tspJobs },
  };
}
