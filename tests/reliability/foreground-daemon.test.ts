import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, TestHome, hasProcess, isAlive, uniqueSleep, waitFor } from '../helpers/daemon.js';

/** `queuectl worker start --headless` in the foreground, as a shell's `&` or a supervisor runs it; resolves with its exit. */
function foreground(t: TestHome): { pid: number; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [CLI, 'worker', 'start', '--headless', '--count', '1'], { env: t.env(), stdio: 'ignore' });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { pid: child.pid!, exited };
}

/**
 * Issue 15: the foreground daemon is the process the user started (the engine runs in the CLI's process), so
 * the pid a supervisor holds is the daemon's: kill -9 leaves no daemon behind, SIGTERM is the graceful stop.
 */
describe('worker start --headless in the foreground is the daemon', () => {
  const t = new TestHome();
  afterAll(() => t.dispose());

  it('kill -9 of its pid leaves no daemon; the next worker start succeeds and recovers the interrupted run', async () => {
    const marker = uniqueSleep(60);
    const fg = foreground(t);
    await waitFor(() => t.answers(), 20_000, 'the foreground daemon to answer');
    expect((await t.json<{ pid: number }>(['status'])).pid).toBe(fg.pid);
    const id = await t.ok(['enqueue', '--retries', '1', marker]);
    await t.until(id, 'processing');
    process.kill(fg.pid, 'SIGKILL');
    expect((await fg.exited).signal).toBe('SIGKILL');
    expect(await t.answers()).toBe(false);
    await waitFor(() => !hasProcess(marker), 10_000, 'the workers to end the job when their daemon is gone');
    // With no daemon the run is still recorded as under way: cancel refuses, so recovery still ends it.
    const refused = await t.cli(['cancel', id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('was running when its daemon stopped');
    const pid = await t.start(1);
    expect(pid).not.toBe(fg.pid);
    const job = await t.show(id);
    expect(job.attempt_history[0]!.outcome).toBe('interrupted');
    expect(['failed', 'processing']).toContain(job.state);
    await t.ok(['cancel', id]);
    await t.stop();
  });

  it('SIGTERM to its pid is the graceful stop: exit 0, the home released', async () => {
    const fg = foreground(t);
    await waitFor(() => t.answers(), 20_000, 'the foreground daemon to answer');
    process.kill(fg.pid, 'SIGTERM');
    expect(await fg.exited).toEqual({ code: 0, signal: null });
    expect(isAlive(fg.pid)).toBe(false);
    expect(await t.answers()).toBe(false);
    const r = await t.cli(['enqueue', 'true']);
    expect(r.code, r.stderr).toBe(0);
  });
});
