import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { guardJobGroup } from '../../electron/engine/worker/job-group-guard.js';
import { killTree } from '../../electron/engine/worker/kill-tree.js';

function fakeProcess() {
  const listeners = new Map<string, () => void>();
  const exits: number[] = [];
  const killed: number[] = [];
  return { listeners, exits, killed, deps: { on: (e: string, l: () => void) => void listeners.set(e, l), exit: (c: number) => void exits.push(c), kill: (p: number) => void killed.push(p) } };
}

describe('a worker never leaves its job running behind it', () => {
  it('on exit, and on SIGTERM (then exit 143), the running job’s group is killed; with no job, nothing is', () => {
    let pid: number | null = 4242;
    const p = fakeProcess();
    guardJobGroup(() => pid, p.deps);
    p.listeners.get('exit')!();
    p.listeners.get('SIGTERM')!();
    expect(p.killed).toEqual([4242, 4242]);
    expect(p.exits).toEqual([143]);
    pid = null;
    p.listeners.get('exit')!();
    expect(p.killed).toHaveLength(2);
  });

  it.skipIf(process.platform === 'win32')('the kill it uses takes a real detached group down, grandchildren included', async () => {
    const job = spawn('/bin/sh', ['-c', 'sleep 30 & sleep 30; wait'], { detached: true, stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 100));
    const p = fakeProcess();
    guardJobGroup(() => job.pid!, { ...p.deps, kill: (pid) => void killTree(pid, 'SIGKILL') });
    const gone = new Promise((r) => job.once('exit', r));
    p.listeners.get('exit')!();
    await gone;
    // The background sleep, reparented, is reaped by init a moment later: then the group is empty.
    const groupAlive = (): boolean => {
      try {
        process.kill(-job.pid!, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 40 && groupAlive(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(groupAlive()).toBe(false);
  });
});
