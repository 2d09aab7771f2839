import { closeSync, openSync } from 'node:fs';
import { Logger, makeWorkerUtils, run, type Runner, type Task } from 'graphile-worker';
import type { SpawnAddon } from '../../electron/engine/worker/spawn-posix.js';

/**
 * graphile-worker (a devDependency of the bench only) on the same PostgreSQL server as our daemon, each run
 * in a fresh database of its own, timed as the matching queuectl metric is. Its runner lives in this
 * process (it is a library: the jobs are JavaScript functions), with its default settings otherwise.
 */

const silent = new Logger(() => () => {});

const hrMs = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e6;

/** Its schema, made before anything is timed (as our daemon's migrations run at its start). */
async function utilsFor(url: string) {
  const utils = await makeWorkerUtils({ connectionString: url, logger: silent });
  await utils.migrate();
  return utils;
}

/** `jobs` no-op jobs added in one addJobs call (one statement), in jobs/s. */
export async function graphileBulk(url: string, jobs: number): Promise<number> {
  const utils = await utilsFor(url);
  try {
    const specs = Array.from({ length: jobs }, (_, i) => ({ identifier: 'noop', payload: { i } }));
    const t = process.hrtime.bigint();
    const added = await utils.addJobs(specs);
    const ms = hrMs(t);
    if (added.length !== jobs) throw new Error(`graphile-worker added ${added.length} of ${jobs} jobs`);
    return jobs / (ms / 1000);
  } finally {
    await utils.release();
  }
}

/** `calls` sequential addJob calls on an open pool (after 200 warm-up), each in ms: our RPC enqueue's counterpart. */
export async function graphileAddJob(url: string, calls: number): Promise<number[]> {
  const utils = await utilsFor(url);
  try {
    for (let i = 0; i < 200; i++) await utils.addJob('noop', {});
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t = process.hrtime.bigint();
      await utils.addJob('noop', {});
      times.push(hrMs(t));
    }
    return times;
  } finally {
    await utils.release();
  }
}

/** A runner with `concurrency` for the one task, resolved when it has started listening. */
async function runner(url: string, concurrency: number, task: Task): Promise<Runner> {
  return run({ connectionString: url, concurrency, logger: silent, noHandleSignals: true, taskList: { noop: task } });
}

/**
 * What each drained job does: nothing (`noop`, what the issue asks for), or start `sh -c true` through the
 * workers' own posix_spawn addon and wait for it (`shell`, what every queuectl job does at least).
 */
export type DrainJob = { kind: 'noop' } | { kind: 'shell'; addon: SpawnAddon };

/**
 * From one addJobs of `jobs` jobs to every one completed (its result written back), with the runner already
 * running at `concurrency`, as our drain is from one enqueue.batch to all completed with its workers up.
 */
export async function graphileDrain(url: string, jobs: number, concurrency: number, job: DrainJob): Promise<number> {
  const utils = await utilsFor(url);
  const devNull = openSync('/dev/null', 'w');
  const task: Task =
    job.kind === 'noop'
      ? async () => {}
      : () => new Promise<void>((done) => job.addon.spawn('/bin/sh', ['/bin/sh', '-c', 'true'], [], null, devNull, 0o22, () => done()));
  const r = await runner(url, concurrency, task);
  try {
    let completed = 0;
    const all = new Promise<void>((done) =>
      r.events.on('job:complete', () => {
        if (++completed === jobs) done();
      }),
    );
    const specs = Array.from({ length: jobs }, () => ({ identifier: 'noop', payload: {} }));
    const t = process.hrtime.bigint();
    await utils.addJobs(specs);
    await all;
    return jobs / (hrMs(t) / 1000);
  } finally {
    await r.stop();
    await utils.release();
    closeSync(devNull);
  }
}

/**
 * Enqueue to start on an idle runner: the clock just before addJob minus the clock at the task's first line,
 * in ms, one job at a time. Its jobs are functions in the runner's process: no process is started, which
 * every queuectl job's latency includes (its floor).
 */
export async function graphileStartLatencies(url: string, samples: number): Promise<number[]> {
  const utils = await utilsFor(url);
  let started: (at: bigint) => void = () => {};
  const r = await runner(url, 2, async () => started(process.hrtime.bigint()));
  try {
    const out: number[] = [];
    for (let i = 0; i < samples + 10; i++) {
      const seen = new Promise<bigint>((done) => (started = done));
      const t = process.hrtime.bigint();
      await utils.addJob('noop', {});
      const at = await seen;
      if (i >= 10) out.push(Number(at - t) / 1e6);
    }
    return out;
  } finally {
    await r.stop();
    await utils.release();
  }
}
