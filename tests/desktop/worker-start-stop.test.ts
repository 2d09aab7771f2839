import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STOP_EXIT_GRACE_MS, stopWaitMs } from '../../cli/commands/worker.js';
import { startDesktop } from '../../cli/daemon-start.js';
import { waitForExit } from '../../cli/wait-for-exit.js';

/**
 * `worker start`'s fallback when the desktop app does not come up, and `worker stop`'s deadline, with stand-in
 * processes (shell scripts) for the Electron binary: no Electron runs here. What the real app logs and how it
 * fails is not covered (see docs/desktop.md).
 */
let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

function fakeElectron(script: string): { home: string; bin: string } {
  dir = mkdtempSync(join(tmpdir(), 'queuectl-fake-electron-'));
  const bin = join(dir, 'electron');
  writeFileSync(bin, `#!/bin/sh\n${script}\n`);
  chmodSync(bin, 0o755);
  return { home: join(dir, 'home'), bin };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(process.platform === 'win32')('worker start: a desktop app that does not start', () => {
  it('one that exits: the note gives its exit code, its last log line and the log\'s path', async () => {
    const { home, bin } = fakeElectron('echo "starting"; echo "queuectl: better-sqlite3 has no build for Electron" >&2; exit 3');
    const started = await startDesktop(home, bin, ['/app'], 5_000);
    expect(started.ok).toBe(false);
    const log = join(home, 'daemon.log');
    expect(!started.ok && started.note).toBe(
      'queuectl: the desktop app did not start (it exited with code 3; it said: queuectl: better-sqlite3 has no build for Electron); ' +
        `its log is ${log}; running the headless daemon instead`,
    );
  });

  it('only what this start logged counts, not an older run\'s lines', async () => {
    const { home, bin } = fakeElectron('exit 1');
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'daemon.log'), 'an old run said this\n');
    const started = await startDesktop(home, bin, [], 5_000);
    expect(!started.ok && started.note).toMatch(/^queuectl: the desktop app did not start \(it exited with code 1\); its log is /);
  });

  it('one that never answers is ended, with its process group, even if it ignores SIGTERM (so it cannot take the lock later)', async () => {
    const { home, bin } = fakeElectron(`trap '' TERM; sleep 60 & echo $! > "$0.child"; echo $$ > "$0.pid"; echo "waiting for the GPU"; wait`);
    const began = Date.now();
    const started = await startDesktop(home, bin, [], 1_000);
    expect(!started.ok && started.note).toMatch(/\(it did not answer within 1 s; it said: waiting for the GPU\)/);
    expect(Date.now() - began).toBeLessThan(12_000);
    const pid = Number(readFileSync(`${bin}.pid`, 'utf8'));
    const child = Number(readFileSync(`${bin}.child`, 'utf8'));
    expect(await waitForExit(pid, Date.now() + 3_000)).toBe(true);
    expect(await waitForExit(child, Date.now() + 3_000)).toBe(true);
  }, 20_000);
});

describe('worker stop: a deadline instead of waiting forever', () => {
  it('waits the stop timeout it asked for plus 30 s', () => {
    expect(STOP_EXIT_GRACE_MS).toBe(30_000);
    expect(stopWaitMs(0)).toBe(30_000);
    expect(stopWaitMs(60_000)).toBe(90_000);
  });

  it.skipIf(process.platform === 'win32')('waitForExit: true once the process is gone, false when the deadline passes first', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid!;
    const began = Date.now();
    expect(await waitForExit(pid, Date.now() + 300)).toBe(false);
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(alive(pid)).toBe(true);
    child.kill('SIGKILL');
    expect(await waitForExit(pid, Date.now() + 5_000)).toBe(true);
  });
});
