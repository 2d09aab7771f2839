import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RpcClient } from '../../protocol/node/client.js';
import type { PgServer } from './postgres.js';

/** The built CLI the bench drives, exactly as a user runs it. */
export const CLI = resolve('out/cli/queuectl.cjs');

/** Runs a command to completion and returns its wall time in ms and its output. */
export function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<{ ms: number; code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ ms: Number(process.hrtime.bigint() - start) / 1e6, code: code ?? -1, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** Where the bench's daemons keep their jobs unless told otherwise: null = SQLite in the home (`--store`). */
let defaultServer: PgServer | null = null;

export function benchOnPostgres(server: PgServer | null): void {
  defaultServer = server;
}

/**
 * A daemon in a fresh temp home, started and stopped through the CLI. On PostgreSQL (`server`, else the
 * bench's `--store`) it gets a fresh database of its own, dropped with the home; `null` means SQLite.
 */
export class BenchHome {
  readonly home = mkdtempSync(join(tmpdir(), 'qctl-bench-'));
  readonly env: NodeJS.ProcessEnv = { ...process.env, QUEUECTL_HOME: this.home, NO_COLOR: '1' };
  pid = 0;
  /** The daemon's database URL on PostgreSQL, once started. */
  storeUrl: string | null = null;

  constructor(private readonly server: PgServer | null = defaultServer) {
    delete this.env.QUEUECTL_STORE;
  }

  async cli(args: string[], input?: string) {
    const r = await timed(process.execPath, [CLI, ...args], this.env, input);
    if (r.code !== 0) throw new Error(`queuectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r;
  }

  async start(workers: number): Promise<void> {
    if (this.server) {
      this.storeUrl = await this.server.createDatabase();
      this.env.QUEUECTL_STORE = this.storeUrl;
    }
    const r = await this.cli(['worker', 'start', '--detach', '--json', '--count', String(workers)]);
    this.pid = (JSON.parse(r.stdout) as { pid: number }).pid;
  }

  connect(): Promise<RpcClient> {
    return RpcClient.connect(this.home, 'bench');
  }

  /** Resident set size of the daemon process, in MB (Linux /proc). */
  rssMb(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return kb / 1024;
  }

  async dispose(): Promise<void> {
    await timed(process.execPath, [CLI, 'worker', 'stop', '--timeout', '2s'], this.env);
    rmSync(this.home, { recursive: true, force: true });
    if (this.server && this.storeUrl) await this.server.dropDatabase(this.storeUrl);
  }
}

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Waits until the daemon reports `n` completed jobs, polling over an open connection. */
export async function waitCompleted(client: RpcClient, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { counts } = await client.call('status', {});
    if (counts.completed >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${counts.completed} of ${n} completed after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
