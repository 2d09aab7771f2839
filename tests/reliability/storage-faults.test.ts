import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, StatusResult } from '../../protocol/index.js';
import { TestHome, uniqueSleep, waitFor } from '../helpers/daemon.js';

/**
 * A full disk and a read-only file system, for real: the data directory lives on a tiny tmpfs that the test
 * fills up and remounts read-only. Needs root (mount); elsewhere the suite says why it skipped.
 *
 * The jobs enqueued to fill the database must never run. How many of them are acknowledged depends on
 * timing (how much WAL space a checkpoint had made reusable when the disk filled: none, or room for ~400),
 * and running ~400 of them after the filler file is removed (a log file and a dozen WAL pages per run,
 * ~47 KB, before the next checkpoint) fills the tmpfs again by itself: the next test's enqueue then got
 * SQLITE_FULL or the restart got ENOSPC. So the only worker always runs a "holder" (a long sleep, priority
 * 999); a job the test needs run is enqueued with priority 1000 and the holder is swapped for a new one.
 */
const mountPoint = mkdtempSync(join(tmpdir(), 'qctl-fault-'));
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'tmpfs', mountPoint]).status === 0;
if (!mounted) console.log('skipped: storage-fault tests need to mount a tmpfs (run as root)');

/**
 * Remounts the tmpfs. Read-only is refused while a file there is open for writing ("mount point is busy"): the
 * stopped daemon's killed jobs may still hold their logs for a moment, so that is retried for up to 3 s.
 */
const remount = (mode: 'ro' | 'rw'): void => {
  for (let tries = 1; ; tries++) {
    const r = spawnSync('mount', ['-o', `remount,${mode}`, mountPoint]);
    if (r.status === 0) return;
    if (tries >= 30 || !/busy/.test(String(r.stderr))) throw new Error(`remount ${mode} failed: ${r.stderr}`);
    spawnSync('sleep', ['0.1']);
  }
};

/** Writes a filler file until the file system refuses (ENOSPC). */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (let i = 0; i < 10_000; i++) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!mounted)('storage faults: refused clearly, nothing stored is lost, recovers when the fault clears', () => {
  const t = new TestHome();
  const filler = join(mountPoint, 'filler');
  const before: string[] = [];
  /** The job that keeps the only worker busy (see above). */
  let holder = '';

  /** Queues the next holder, then cancels the running one: the worker takes any priority-1000 job first. */
  async function releaseWorker(): Promise<void> {
    const previous = holder;
    holder = await t.ok(['enqueue', uniqueSleep(600), '--priority', '999']);
    if (previous) await t.ok(['cancel', previous]);
  }

  beforeAll(async () => {
    // The helper's temp home is replaced by one on the small file system.
    rmSync(t.home, { recursive: true, force: true });
    (t as { home: string }).home = join(mountPoint, 'home');
    mkdirSync(t.home, { mode: 0o700 });
    await t.start(1);
    for (let i = 0; i < 20; i++) before.push(await t.ok(['enqueue', `echo job ${i}`]));
    await waitFor(async () => (await t.json<StatusResult>(['status'])).counts.completed === 20, 60_000, '20 completed');
    await releaseWorker();
    await t.until(holder, 'processing', 60_000);
  }, 120_000);

  afterAll(async () => {
    spawnSync('mount', ['-o', 'remount,rw', mountPoint]);
    rmSync(filler, { force: true });
    await t.dispose();
    spawnSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  const storedIds = async () => (await t.json<Job[]>(['list', '--limit', '100000'])).map((j) => j.id).sort();

  /**
   * Fills the disk, then enqueues in batches until the database refuses: SQLite first reuses WAL space it
   * already has, so the first writes after the disk filled may still succeed, durably. Returns the ids
   * acknowledged on the way and the refusal.
   */
  async function enqueueUntilRefused(): Promise<{ acknowledged: string[]; refusal: { code: number; stderr: string; stdout: string } }> {
    fillDisk(filler);
    const acknowledged: string[] = [];
    const lines = Array.from({ length: 200 }, (_, i) => `echo filling ${i} ${'x'.repeat(200)}`).join('\n');
    for (let i = 0; i < 100; i++) {
      const r = await t.cli(['enqueue', '--stdin'], { input: lines });
      acknowledged.push(...r.stdout.split('\n').filter(Boolean));
      if (r.code !== 0) return { acknowledged, refusal: r };
    }
    throw new Error('the database never refused a write on a full disk');
  }

  it('on a full disk, enqueue fails with a clear error, every acknowledged job is kept, and the daemon recovers once space is freed', async () => {
    try {
      const { acknowledged, refusal } = await enqueueUntilRefused();
      expect(refusal.code).toBe(1);
      expect(refusal.stderr).toMatch(/database could not be written \(SQLITE_FULL[\s\S]*nothing was changed/);
      expect(refusal.stderr).not.toMatch(/at .*\.js:\d+/);
      // A small write may still fit in WAL space SQLite already holds; then it is stored and acknowledged.
      const single = await t.cli(['enqueue', 'echo while full']);
      if (single.code === 0) acknowledged.push(single.stdout.trim());
      else {
        expect(single.code).toBe(1);
        expect(single.stderr).toMatch(/SQLITE_FULL/);
        expect(single.stdout).toBe('');
      }
      const stored = await storedIds();
      for (const id of [...before, ...acknowledged]) expect(stored).toContain(id);
      console.log(`full disk: ${acknowledged.length} jobs acknowledged before the refusal, all ${stored.length} stored jobs intact`);
    } finally {
      rmSync(filler, { force: true });
    }
    const id = await t.ok(['enqueue', 'echo after the fault', '--priority', '1000']);
    await releaseWorker();
    await waitFor(async () => (await t.json<Job>(['show', id])).state === 'completed', 60_000, 'the new job to complete');
    expect(t.daemonLog()).toMatch(/storage error: SQLITE_FULL/);
    // The filling jobs are still waiting: the 20 from before and the one just now are all that ran.
    expect((await t.json<StatusResult>(['status'])).counts.completed).toBe(21);
  });

  it('a run that ends while the disk is full is neither lost nor stuck: it is recorded once space is back', async () => {
    const id = await t.ok(['enqueue', 'sleep 2', '--priority', '1000']);
    await releaseWorker();
    await waitFor(async () => (await t.json<Job>(['show', id])).state === 'processing', 60_000, 'processing');
    const faultsBefore = (t.daemonLog().match(/storage fault/g) ?? []).length;
    try {
      const { refusal } = await enqueueUntilRefused();
      expect(refusal.code).toBe(1);
      await new Promise((r) => setTimeout(r, 2500));
      // SQLite may still fit the small result into WAL space it already has; if not, the result is held back.
      const heldBack = (t.daemonLog().match(/storage fault/g) ?? []).length > faultsBefore;
      const during = (await t.json<Job>(['show', id])).state;
      expect(['processing', 'completed']).toContain(during);
      console.log(`run ended on a full disk: result ${during === 'processing' ? 'held back until space returned' : 'written into existing WAL space'}${heldBack ? ' (storage fault logged)' : ''}`);
    } finally {
      rmSync(filler, { force: true });
    }
    const done = await waitFor(async () => {
      const j = await t.json<Job & { attempt_history: Array<{ outcome: string }> }>(['show', id]);
      return j.state === 'completed' ? j : undefined;
    }, 20_000, 'the result to be written');
    expect(done.attempts).toBe(0);
    expect(done.attempt_history.map((a) => a.outcome)).toEqual(['completed']);
  });

  it('a read-only data directory stops start-up with a clear message; after it is writable again, everything is there', async () => {
    const ids = await storedIds();
    await t.ok(['worker', 'stop', '--timeout', '1s']);
    remount('ro');
    try {
      const refused = await t.cli(['worker', 'start', '--detach']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/read-only|readonly/i);
      expect(await t.answers()).toBe(false);
    } finally {
      remount('rw');
    }
    await t.start(1);
    expect(await storedIds()).toEqual(ids);
  });
});
