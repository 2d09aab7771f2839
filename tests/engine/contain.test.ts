import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { killRun, newRunMarker, RUN_MARKER_VAR } from '../../electron/engine/worker/contain.js';
import { scanRun } from '../../electron/engine/worker/proc-scan.js';
import { waitFor } from '../helpers/daemon.js';

/** worker/contain.ts on real processes: what /proc shows of a run, and freeze-then-kill. */
describe.runIf(process.platform === 'linux')('killRun: every process of a run, found in /proc', () => {
  it('a fork loop that also leaves its session cannot outrun freeze-then-kill', async () => {
    const marker = newRunMarker();
    // Its own session (detached), and every child another one (setsid): only the marker names them all.
    const loop = spawn('/bin/sh', ['-c', 'while :; do setsid sleep 300 & sleep 0.01; done'], {
      detached: true,
      stdio: 'ignore',
      env: { PATH: process.env.PATH, [RUN_MARKER_VAR]: marker },
    });
    await waitFor(() => scanRun({ leader: null, marker }).length >= 10, 10_000, 'the loop to fork');
    const killed = killRun({ leader: loop.pid!, marker });
    expect(killed).toBeGreaterThanOrEqual(10);
    expect(scanRun({ leader: loop.pid!, marker })).toEqual([]);
  });

  it('finds nothing for a marker no process carries, and never this process', () => {
    expect(scanRun({ leader: null, marker: newRunMarker() })).toEqual([]);
    expect(scanRun({ leader: process.pid, marker: null })).not.toContain(process.pid);
  });
});
