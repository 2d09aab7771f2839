import { benchOnPostgres } from '../lib/env.js';
import { graphileAddJob, graphileBulk, graphileDrain, graphileStartLatencies } from '../lib/graphile-worker.js';
import type { PgServer } from '../lib/postgres.js';
import { spawnAddon } from '../lib/posix-spawn.js';
import type { MetricResult } from '../lib/result.js';
import { median, percentile, round } from '../lib/stats.js';
import { bulkEnqueue } from './bulk-enqueue.js';
import { cliCall } from './cli-call.js';
import { queuectlRate } from './drain.js';
import { rpcRoundTrip } from './rpc-roundtrip.js';
import { startLatency } from './start-latency.js';

/*
 * `--store postgres`: the user-facing metrics with the daemon on PostgreSQL (a fresh database per daemon),
 * each beside the same metric on SQLite and graphile-worker's counterpart, all in this run: the machine is
 * shared and noisy, so the ratios within the run are what to read. Targets are issue 17's.
 */

/** How many calls, jobs and runs each metric takes (run.ts: full or --quick). */
export interface BenchCounts {
  cli: number;
  bulk: number;
  bulkRuns: number;
  rpc: number;
  drain: number;
  drainRuns: number;
  latency: number;
}

/** Runs `measure` with the daemons on SQLite, then on `server`; the bench's store is PostgreSQL after. */
async function onBoth(server: PgServer, measure: () => Promise<MetricResult>): Promise<{ sqlite: MetricResult; pg: MetricResult }> {
  benchOnPostgres(null);
  const sqlite = await measure();
  benchOnPostgres(server);
  return { sqlite, pg: await measure() };
}

/** graphile-worker's row: informational, judged by nothing. */
function theirs(metric: string, value: string, raw: Record<string, unknown>): MetricResult {
  return { metric: `${metric}: graphile-worker 0.17.3`, value, target: 'comparison', met: null, raw };
}

/** Each graphile-worker run gets a database of its own, dropped after. */
async function inFreshDatabase<T>(server: PgServer, run: (url: string) => Promise<T>): Promise<T> {
  const url = await server.createDatabase();
  try {
    return await run(url);
  } finally {
    await server.dropDatabase(url);
  }
}

export async function cliOnPostgres(server: PgServer, n: BenchCounts): Promise<MetricResult[]> {
  const { sqlite, pg } = await onBoth(server, () => cliCall(n.cli));
  return [{ ...pg, metric: 'CLI call (PostgreSQL)', floor: `${pg.floor}; SQLite: ${sqlite.value}, ${sqlite.score} ×` }];
}

export async function bulkOnPostgres(server: PgServer, n: BenchCounts): Promise<MetricResult[]> {
  const { sqlite, pg } = await onBoth(server, () => bulkEnqueue(n.bulk, n.bulkRuns));
  const rates: number[] = [];
  for (let i = 0; i < n.bulkRuns; i++) rates.push(await inFreshDatabase(server, (url) => graphileBulk(url, n.bulk)));
  const rate = median(rates);
  return [
    { ...pg, metric: 'bulk enqueue (PostgreSQL)', floor: `SQLite: ${sqlite.score!.toLocaleString('en')} jobs/s (${round(pg.score! / sqlite.score!)} ×)` },
    theirs(
      'bulk enqueue',
      `${Math.round(rate).toLocaleString('en')} jobs/s (${n.bulk.toLocaleString('en')} in one addJobs call on an open pool; ours includes the CLI's start and reading stdin)`,
      { runs: rates.map((r) => round(r, 0)) },
    ),
  ];
}

export async function rpcOnPostgres(server: PgServer, n: BenchCounts): Promise<MetricResult[]> {
  const { sqlite, pg } = await onBoth(server, () => rpcRoundTrip(n.rpc));
  const times = await inFreshDatabase(server, (url) => graphileAddJob(url, n.rpc));
  const p50 = pg.score!;
  return [
    { ...pg, metric: 'RPC round trip (PostgreSQL)', floor: `SQLite: p50 ${sqlite.score} ms (${round(p50 / sqlite.score!)} ×)`, target: 'p50 ≤ 2 ms', met: p50 <= 2 },
    theirs('RPC round trip', `p50 ${round(percentile(times, 50), 3)} ms, p99 ${round(percentile(times, 99), 3)} ms (addJob, open pool)`, {
      p50: percentile(times, 50),
      p99: percentile(times, 99),
    }),
  ];
}

export async function drainOnPostgres(server: PgServer, n: BenchCounts): Promise<MetricResult[]> {
  const addon = spawnAddon();
  const sqlite: number[] = [];
  const pg: number[] = [];
  const noop: number[] = [];
  const shell: number[] = [];
  // Interleaved, so a change in the machine's load falls on every side alike.
  for (let i = 0; i < n.drainRuns; i++) {
    sqlite.push(await queuectlRate(n.drain, null));
    pg.push(await queuectlRate(n.drain, server));
    noop.push(await inFreshDatabase(server, (url) => graphileDrain(url, n.drain, 2, { kind: 'noop' })));
    if (addon) shell.push(await inFreshDatabase(server, (url) => graphileDrain(url, n.drain, 2, { kind: 'shell', addon })));
  }
  const ratio = median(pg) / median(sqlite);
  return [
    {
      metric: 'drain (PostgreSQL)',
      value: `${Math.round(median(pg))} jobs/s (${n.drain} × true, 2 workers)`,
      floor: `SQLite: ${Math.round(median(sqlite))} jobs/s`,
      score: round(ratio),
      target: '≥ 0.9 × SQLite (within 10%)',
      met: ratio >= 0.9,
      raw: { jobs: n.drain, postgres: pg, sqlite },
    },
    theirs('drain', `${Math.round(median(noop))} jobs/s (${n.drain} no-op functions, concurrency 2)`, { runs: noop }),
    ...(addon
      ? [theirs('drain', `${Math.round(median(shell))} jobs/s (${n.drain} jobs each posix_spawning sh -c true, concurrency 2)`, { runs: shell })]
      : []),
  ];
}

export async function latencyOnPostgres(server: PgServer, n: BenchCounts): Promise<MetricResult[]> {
  const { sqlite, pg } = await onBoth(server, () => startLatency(n.latency));
  const times = await inFreshDatabase(server, (url) => graphileStartLatencies(url, n.latency));
  const p50 = pg.score!;
  return [
    {
      ...pg,
      metric: 'start latency (PostgreSQL)',
      floor: `${pg.floor}; SQLite: p50 ${sqlite.score} ms (${round(p50 / sqlite.score!)} ×)`,
      target: 'p50 ≤ 5 ms',
      met: p50 <= 5,
    },
    theirs('start latency', `p50 ${round(percentile(times, 50), 2)} ms, p99 ${round(percentile(times, 99), 2)} ms (addJob → task function entered; no process started)`, {
      p50: percentile(times, 50),
      p99: percentile(times, 99),
    }),
  ];
}
