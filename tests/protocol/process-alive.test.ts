import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../protocol/node/process-alive.js';

/** Real processes: a running one, one that exited and was reaped, and a zombie its parent never reaps. */
describe.skipIf(process.platform !== 'linux')('isProcessAlive', () => {
  it('is true for a running process and false once it has exited and been reaped', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    expect(isProcessAlive(child.pid!)).toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect(isProcessAlive(child.pid!)).toBe(false);
  });

  it('counts a zombie as gone, although signal 0 still reaches it', async () => {
    // sh starts a short sleep, prints its pid, then becomes `sleep 30`, which never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number(await new Promise<string>((r) => parent.stdout.once('data', (d: Buffer) => r(d.toString()))));
      const deadline = Date.now() + 5_000;
      while (isProcessAlive(zombie) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(isProcessAlive(zombie)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
