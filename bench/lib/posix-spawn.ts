import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SpawnAddon } from '../../electron/engine/worker/spawn-posix.js';

/**
 * The workers' posix_spawn addon (out/native, built by `npm run build:node`), for the floors that say what
 * this machine can do without fork(): null where it is not built (the floors are then skipped with a note).
 */
export const SPAWN_ADDON = resolve('out/native/queuectl_spawn.node');

export function spawnAddon(): SpawnAddon | null {
  return existsSync(SPAWN_ADDON) ? (createRequire(import.meta.url)(SPAWN_ADDON) as SpawnAddon) : null;
}

/** One Node process spawning `sh -c true` n times, one after the other, through the addon (argv: n, addon). */
export const SERIAL_POSIX_SPAWNER = `
const { spawn } = require(process.argv[2]);
const fd = require('node:fs').openSync('/dev/null', 'w');
let left = Number(process.argv[1]);
const next = () => { if (left-- <= 0) return; spawn('/bin/sh', ['/bin/sh', '-c', 'true'], [], null, fd, 0o22, next); };
next();`;

/**
 * Start-latency floor: the clock just before a bare posix_spawn of the latency probe (`exec date +%s%N`, the
 * same shell and command a job runs) minus the clock the probe prints, in ms, one sample at a time.
 */
export async function bareStartLatencies(addon: SpawnAddon, samples: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'qctl-floor-'));
  const out: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const file = join(dir, `probe-${i}`);
      const fd = openSync(file, 'w');
      const before = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
      await new Promise<void>((done) => addon.spawn('/bin/sh', ['/bin/sh', '-c', 'exec date +%s%N'], [`PATH=${process.env.PATH}`], null, fd, 0o22, () => done()));
      closeSync(fd);
      out.push(Number(BigInt(readFileSync(file, 'utf8').trim()) - before) / 1e6);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
