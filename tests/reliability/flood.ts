import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** Counts the flooding process reports (see flood-connections.mjs). */
export interface FloodStats {
  /** Connections that were established. */
  opened: number;
  /** Established and not closed yet. */
  open: number;
  maxOpen: number;
  /** Closed by the server (shed, timed out) before the flood ended. */
  closedByServer: number;
  /** Connects that failed, by code (each was tried again). */
  errors: Record<string, number>;
  ms: number;
  done?: boolean;
}

export interface FloodOptions {
  port?: number;
  path?: string;
  total: number;
  /** Connects in flight at once. */
  parallel?: number;
  /** Written on each connection once open. */
  send?: string;
  /** How long to keep the connections after the last one opened. */
  holdMs?: number;
  /** Ends by itself after this long whatever happened. */
  maxMs?: number;
}

/** A flood of idle connections from another process; `latest` is its last report. */
export class Flood {
  latest: FloodStats = { opened: 0, open: 0, maxOpen: 0, closedByServer: 0, errors: {}, ms: 0 };
  readonly done: Promise<FloodStats>;
  private readonly listeners = new Set<() => void>();

  constructor(options: FloodOptions) {
    const child = spawn(process.execPath, [resolve('tests/reliability/flood-connections.mjs'), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      this.latest = JSON.parse(line) as FloodStats;
      for (const l of this.listeners) l();
    });
    this.done = new Promise((resolveDone, reject) => {
      child.on('error', reject);
      child.on('close', (code) => (code === 0 && this.latest.done ? resolveDone(this.latest) : reject(new Error(`the flood exited ${code}`))));
    });
  }

  get finished(): boolean {
    return this.latest.done === true;
  }

  /** Resolves once a report satisfies `check`. */
  reached(check: (s: FloodStats) => boolean): Promise<FloodStats> {
    return new Promise((resolveReached, reject) => {
      const look = (): void => {
        if (check(this.latest)) {
          this.listeners.delete(look);
          resolveReached(this.latest);
        } else if (this.latest.done) {
          this.listeners.delete(look);
          reject(new Error(`the flood ended first: ${JSON.stringify(this.latest)}`));
        }
      };
      this.listeners.add(look);
      look();
    });
  }
}

/** The open descriptors of a process (Linux /proc), sampled until stop() is called; the most seen. */
export function sampleDescriptors(pid: number): { stop(): number } {
  let most = 0;
  const timer = setInterval(() => {
    try {
      most = Math.max(most, readdirSync(`/proc/${pid}/fd`).length);
    } catch {
      /* not Linux, or gone */
    }
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return most;
    },
  };
}
