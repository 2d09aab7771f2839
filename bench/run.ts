import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { MetricResult } from './lib/result.js';
import { bulkEnqueue } from './metrics/bulk-enqueue.js';
import { cliCall } from './metrics/cli-call.js';
import { dashboard } from './metrics/dashboard.js';
import { drain } from './metrics/drain.js';
import { memory } from './metrics/memory.js';
import { bulkOnPostgres, cliOnPostgres, drainOnPostgres, latencyOnPostgres, type BenchCounts, rpcOnPostgres } from './metrics/postgres.js';
import { rpcRoundTrip } from './metrics/rpc-roundtrip.js';
import { scale } from './metrics/scale.js';
import { startLatency } from './metrics/start-latency.js';
import { PgServer } from './lib/postgres.js';

/**
 * npm run bench [-- --quick] [-- --only name,name] [-- --store postgres [--pg-url URL]]: runs every metric
 * against the built CLI and daemon, prints a table, and writes bench/results/bench-<time>.json. Installs
 * nothing; says what it skips.
 */
const args = process.argv.slice(2);
const quick = args.includes('--quick');
/** The value of `--name=value` or `--name value`. */
const option = (name: string): string | undefined =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const onlyArg = option('only');
const store = option('store') ?? 'sqlite';
if (store !== 'sqlite' && store !== 'postgres') throw new Error(`--store is sqlite or postgres, not ${store}`);
/** How many of each, for both stores. */
const n: BenchCounts = {
  cli: quick ? 30 : 100,
  bulk: quick ? 20_000 : 100_000,
  bulkRuns: quick ? 1 : 3,
  rpc: quick ? 500 : 2000,
  drain: quick ? 1000 : 5000,
  drainRuns: quick ? 1 : 3,
  latency: quick ? 50 : 200,
};
const only = onlyArg ? new Set(onlyArg.split(',')) : null;
const want = (name: string): boolean => only === null || only.has(name);

async function main(): Promise<void> {
  const started = Date.now();
  const results: MetricResult[] = [];
  const step = async (name: string, run: () => Promise<MetricResult | MetricResult[]>): Promise<void> => {
    if (!want(name)) return;
    process.stderr.write(`bench: ${name} ...\n`);
    const t = Date.now();
    const out = await run();
    results.push(...(Array.isArray(out) ? out : [out]));
    process.stderr.write(`bench: ${name} done in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  };

  if (store === 'postgres') {
    await postgresRun(step);
    finish(results, started);
    return;
  }
  await step('cli', () => cliCall(n.cli));
  await step('bulk', () => bulkEnqueue(n.bulk, n.bulkRuns));
  await step('rpc', () => rpcRoundTrip(n.rpc));
  await step('drain', () => drain(n.drain, n.drainRuns));
  await step('latency', () => startLatency(n.latency));
  await step('dashboard', () => dashboard(100_000, quick ? 10 : 20));
  let rssWithMillion: number | null = null;
  await step('scale', async () => {
    const s = await scale(quick ? 100_000 : 1_000_000, quick ? 10 : 20);
    rssWithMillion = s.rssMb;
    return s.results;
  });
  await step('memory', () => memory(rssWithMillion));
  finish(results, started);
}

type Step = (name: string, run: () => Promise<MetricResult | MetricResult[]>) => Promise<void>;

/**
 * `--store postgres`: the five user-facing metrics on PostgreSQL beside SQLite and graphile-worker (same counts
 * as the SQLite run's, `n`). dashboard, scale and memory seed the SQLite file directly and are not run.
 */
async function postgresRun(step: Step): Promise<void> {
  const server = PgServer.start(option('pg-url'));
  try {
    process.stderr.write(`bench: PostgreSQL at ${new URL(server.url).host} (${await server.durability()})\n`);
    await step('cli', () => cliOnPostgres(server, n));
    await step('bulk', () => bulkOnPostgres(server, n));
    await step('rpc', () => rpcOnPostgres(server, n));
    await step('drain', () => drainOnPostgres(server, n));
    await step('latency', () => latencyOnPostgres(server, n));
  } finally {
    server.stop();
  }
}

function finish(results: MetricResult[], started: number): void {
  printTable(results);
  const dir = join('bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, platform: process.platform };
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), quick, store, machine, seconds: (Date.now() - started) / 1000, results }, null, 2));
  process.stdout.write(`\nwritten ${file} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  const missed = results.filter((r) => r.met === false);
  if (missed.length) process.stdout.write(`targets missed: ${missed.map((r) => r.metric).join(', ')}\n`);
}

function printTable(results: MetricResult[]): void {
  const rows = results.map((r) => [r.metric, r.value, r.floor ?? '', r.score === undefined ? '' : String(r.score), r.target, r.met === null ? 'n/a' : r.met ? 'met' : 'MISSED']);
  const headers = ['metric', 'measured', 'floor in the same run', 'score', 'target', 'result'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  process.stdout.write('\n' + line(headers) + '\n' + line(widths.map((w) => '-'.repeat(w))) + '\n');
  for (const r of rows) process.stdout.write(line(r) + '\n');
  for (const r of results) if (r.notes) process.stdout.write(`note (${r.metric}): ${r.notes}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
