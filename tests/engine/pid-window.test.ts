import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { newRunMarker, RUN_MARKER_VAR } from '../../electron/engine/worker/contain.js';
import { pidRange, WINDOW_MS } from '../../electron/engine/worker/pid-window.js';
import { scanRun } from '../../electron/engine/worker/proc-scan.js';
import { waitFor } from '../helpers/daemon.js';

const lastPid = (): number => Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));

/** worker/pid-window.ts: a run that ended soon after its spawn is scanned by pid range, anything else in full. */
describe.runIf(process.platform === 'linux')('the pid window of a run', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  /** A process carrying `marker`, in its own session, as an escaped process of a run would be. */
  const carrier = (marker: string, program = 'sleep', args = ['30']): ChildProcess => {
    const child = spawn(program, args, { detached: true, stdio: 'ignore', env: { PATH: process.env.PATH, [RUN_MARKER_VAR]: marker } });
    children.push(child);
    return child;
  };

  it('bounds a fresh run to [leader, last pid]; a late run, no run, or a wrapped counter to nothing', () => {
    const leader = carrier(newRunMarker()).pid!;
    const now = performance.now();
    const range = pidRange({ leader, spawnedAt: now }, now);
    expect(range).not.toBeNull();
    expect(range!.from).toBe(leader);
    expect(range!.to).toBeGreaterThanOrEqual(leader);
    expect(pidRange({ leader, spawnedAt: now - WINDOW_MS - 1 }, now)).toBeNull();
    expect(pidRange(null, now)).toBeNull();
    // A leader above the last pid handed out: the counter went round since, so no range can be trusted.
    expect(pidRange({ leader: lastPid() + 1000, spawnedAt: now }, now)).toBeNull();
  });

  /** As if spawned just now, however long this (loaded) machine takes to get to the scan. */
  const fresh = (): number => performance.now() + 60_000;

  it('a fresh run reads only pids from its leader on; a late one reads every process', () => {
    const marker = newRunMarker();
    const before = carrier(marker).pid!;
    const leader = carrier(marker).pid!;
    expect(leader).toBeGreaterThan(before); // no wrap between two spawns in a row
    expect(scanRun({ leader: null, marker, window: { leader, spawnedAt: fresh() } })).toEqual([leader]);
    expect(scanRun({ leader: null, marker, window: { leader, spawnedAt: performance.now() - WINDOW_MS - 1 } }).sort()).toEqual([before, leader].sort());
  });

  it('a thread in the window is not taken for a process: the process is found once, by its own pid', async () => {
    const marker = newRunMarker();
    const node = carrier(marker, process.execPath, ['-e', 'setTimeout(() => {}, 30000)']).pid!;
    await waitFor(() => readdirSync(`/proc/${node}/task`).length > 1 || undefined, 10_000, 'node to start its threads');
    const tids = readdirSync(`/proc/${node}/task`).map(Number).filter((tid) => tid !== node);
    expect(Math.max(...tids)).toBeGreaterThan(node);
    expect(scanRun({ leader: null, marker, window: { leader: node, spawnedAt: fresh() } })).toEqual([node]);
  });
});
