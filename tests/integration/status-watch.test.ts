import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startCli, TestHome, waitFor } from '../helpers/daemon.js';

/**
 * `status --watch`: on a terminal (util-linux `script` gives it one) a full-screen summary redrawn from the
 * daemon's events, at most 5 frames a second, until Ctrl-C (exit 0, cursor shown, normal screen back);
 * without a terminal one plain line (or with --json one JSON document) per change; exit 3 when the daemon
 * goes away.
 */

const hasScript = spawnSync('script', ['--version']).status === 0;

const ENTER_ALT = '\x1b[?1049h';
const LEAVE_ALT = '\x1b[?1049l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const HOME = '\x1b[H';
// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

/** A running `queuectl status --watch`, on a terminal or on a pipe. */
class Watch {
  out = '';
  err = '';
  readonly exited: Promise<number>;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(t: TestHome, args: string[], opts: { terminal: boolean; env?: NodeJS.ProcessEnv }) {
    const env = t.env({ TERM: 'xterm-256color', COLUMNS: undefined, LINES: undefined, ...opts.env });
    if (opts.terminal) {
      const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
      this.child = spawn('script', ['-qec', ['exec', process.execPath, CLI, ...args].map(quote).join(' '), '/dev/null'], { env });
    } else {
      this.child = spawn(process.execPath, [CLI, ...args], { env });
    }
    this.child.stdout.on('data', (d) => (this.out += d));
    this.child.stderr.on('data', (d) => (this.err += d));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code ?? -1)));
  }

  /** Ctrl-C typed on the terminal (the line discipline sends SIGINT to the CLI). */
  ctrlC(): void {
    this.child.stdin.write('\x03');
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** Every frame drawn so far, as plain text. */
  frames(): string[] {
    return this.out
      .split(HOME)
      .filter((f) => f.includes('queuectl'))
      .map((f) => stripAnsi(f).replace(/\r/g, ''));
  }

  lastFrame(): string {
    return this.frames().at(-1) ?? '';
  }

  /** Waits until the newest frame matches. */
  frame(pattern: RegExp, what: string): Promise<string> {
    return waitFor(() => pattern.test(this.lastFrame()) && this.lastFrame(), 20_000, `a frame showing ${what}; last frame:\n${this.lastFrame()}`);
  }

  lines(): string[] {
    return this.out.split('\n').filter((l) => l !== '');
  }

  async stop(): Promise<number> {
    this.child.stdin.end();
    return this.exited;
  }
}

describe('status --watch', () => {
  const t = new TestHome();

  beforeAll(async () => {
    await t.start(2);
    await t.ok(['config', 'set', 'backoff_factor_ms', '60000']);
  });
  afterAll(async () => {
    await t.dispose();
  });

  it.skipIf(!hasScript)(
    'on a terminal: draws in the alternate screen, redraws on every change (jobs, failures, workers, pause), fits the width, Ctrl-C exits 0 with the cursor back',
    async () => {
      const w = new Watch(t, ['status', '--watch'], { terminal: true, env: { COLUMNS: '70', LINES: '40' } });
      const first = await w.frame(/completed\s+\d+/, 'the counts');
      expect(w.out.startsWith(ENTER_ALT + HIDE_CURSOR)).toBe(true);
      expect(first).toMatch(/^queuectl \S+ · pid \d+ · up \S+ · 2 workers \(0 busy\)/m);
      expect(first).toMatch(/^\s+worker 1\s+idle$/m);
      expect(first).toMatch(/Ctrl-C to quit/);
      const completedBefore = Number(/completed\s+(\d+)/.exec(first)![1]);

      await t.ok(['enqueue', '{"id":"w-done","command":"true"}']);
      await w.frame(new RegExp(`completed\\s+${completedBefore + 1}\\b`), 'one more completed job');

      // A running job: the worker line shows it, cut to the width.
      await t.ok(['enqueue', JSON.stringify({ id: 'w-run', command: `sleep 30 # ${'a long comment '.repeat(8)}` })]);
      const running = await w.frame(/worker \d+\s+w-run\s+\S+\s+sleep 30 # a long comment/, 'the running job on its worker');
      expect(running).toMatch(/processing\s+1\b/);
      for (const line of running.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(70);
      expect(running).toMatch(/sleep 30 # a long comment.*…/);

      await t.ok(['enqueue', '{"id":"w-fail","command":"exit 3","max_retries":0}']);
      const failed = await w.frame(/recent failures[\s\S]*w-fail\s+\S+ ago\s+run 1\s+exit 3\s+now dead/, 'the failure');
      expect(failed).toMatch(/dead\s+1\b/);

      await t.ok(['pause']);
      await w.frame(/^paused .*queuectl resume/m, 'paused');
      await t.ok(['resume']);
      await waitFor(() => !/^paused /m.test(w.lastFrame()) && /completed/.test(w.lastFrame()), 10_000, 'a frame without paused');

      // A burst of changes: frames stay at most 5 a second.
      const framesBefore = w.frames().length;
      const since = Date.now();
      await t.ok(['enqueue', '--stdin'], { input: 'true\n'.repeat(40) });
      await w.frame(new RegExp(`completed\\s+${completedBefore + 41}\\b`), 'the burst done');
      await new Promise((r) => setTimeout(r, 500));
      const drawn = w.frames().length - framesBefore;
      expect(drawn).toBeGreaterThan(0);
      expect(drawn).toBeLessThanOrEqual(Math.ceil((Date.now() - since) / 200) + 1);

      await t.ok(['cancel', 'w-run']);
      w.ctrlC();
      expect(await w.exited).toBe(0);
      // The terminal is given back: cursor shown and normal screen, after the last frame.
      expect(w.out.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(w.out.lastIndexOf(HOME));
      expect(w.out.lastIndexOf(LEAVE_ALT)).toBeGreaterThan(w.out.lastIndexOf(HOME));
      expect(w.out.trimEnd().endsWith(SHOW_CURSOR + LEAVE_ALT)).toBe(true);
    },
  );

  it('without a terminal: one plain line per change (no escape codes), nothing while nothing changes; SIGINT exits 0', async () => {
    const w = new Watch(t, ['status', '--watch'], { terminal: false, env: { NO_COLOR: undefined } });
    await waitFor(() => w.lines().length >= 1, 10_000, 'the first line');
    const line = /^\d{4}-\d\d-\d\dT\S+Z pending=\d+ processing=\d+ completed=(\d+) failed=\d+ dead=\d+ canceled=\d+ busy=\d+\/2 paused=(yes|no)$/;
    expect(w.lines()[0]).toMatch(line);
    const before = Number(line.exec(w.lines()[0]!)![1]);
    // Idle: no new lines (the screen's clock does not tick here).
    await new Promise((r) => setTimeout(r, 1500));
    expect(w.lines()).toHaveLength(1);

    await t.ok(['enqueue', '{"id":"p-done","command":"true"}']);
    await waitFor(() => w.lines().some((l) => line.exec(l)?.[1] === String(before + 1)), 10_000, `a line with completed=${before + 1}`);
    await t.ok(['pause']);
    await waitFor(() => w.lines().at(-1)!.endsWith('paused=yes'), 10_000, 'a line saying paused');
    await t.ok(['resume']);
    await waitFor(() => w.lines().at(-1)!.endsWith('paused=no'), 10_000, 'a line saying resumed');
    for (const l of w.lines()) expect(l).toMatch(line);
    expect(w.out).not.toMatch(/\x1b/); // eslint-disable-line no-control-regex

    w.signal('SIGINT');
    expect(await w.exited).toBe(0);
    expect(w.err).toBe('');
  });

  it('--json: one JSON document per line per change (counts, workers, paused, recent failures); SIGTERM exits 0', async () => {
    const w = new Watch(t, ['status', '--watch', '--json'], { terminal: false });
    await waitFor(() => w.lines().length >= 1, 10_000, 'the first document');
    type Doc = { counts: Record<string, number>; workers: unknown[]; paused: boolean; recent_failures: Array<{ job_id: string }>; time: string };
    const first = JSON.parse(w.lines()[0]!) as Doc;
    expect(first.workers).toHaveLength(2);
    expect(first.paused).toBe(false);
    expect(Array.isArray(first.recent_failures)).toBe(true);
    await t.ok(['enqueue', '{"id":"j-fail","command":"exit 5","max_retries":0}']);
    const doc = await waitFor(
      () => w.lines().map((l) => JSON.parse(l) as Doc).find((d) => d.recent_failures.some((f) => f.job_id === 'j-fail')),
      10_000,
      'a document with the new failure',
    );
    expect(doc.counts.dead).toBe(first.counts.dead! + 1);
    w.signal('SIGTERM');
    expect(await w.exited).toBe(0);
  });

  it('bad usage: an extra argument is refused (exit 2)', async () => {
    const r = await t.cli(['status', '--watch', 'now']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('status --watch when the daemon goes', () => {
  const t = new TestHome();
  afterAll(async () => {
    await t.dispose();
  });

  it('no daemon at the start: the usual message, exit 3', async () => {
    const r = await t.cli(['status', '--watch']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no queuectl daemon is running[\s\S]*queuectl worker start/);
  });

  it('the daemon stops while watched: says so and exits 3, on a terminal with the terminal restored', async () => {
    await t.start(1);
    const piped = new Watch(t, ['status', '--watch'], { terminal: false });
    const tty = hasScript ? new Watch(t, ['status', '--watch'], { terminal: true }) : null;
    await waitFor(() => piped.lines().length >= 1, 10_000, 'the first line');
    if (tty) await tty.frame(/completed\s+\d+/, 'the first frame');
    await t.stop();
    expect(await piped.exited).toBe(3);
    expect(piped.err).toMatch(/the daemon went away/);
    if (tty) {
      expect(await tty.exited).toBe(3);
      expect(tty.out).toMatch(/the daemon went away/);
      const restored = tty.out.lastIndexOf(SHOW_CURSOR + LEAVE_ALT);
      expect(restored).toBeGreaterThan(tty.out.lastIndexOf(HOME));
      expect(tty.out.indexOf('the daemon went away')).toBeGreaterThan(restored);
    }
  });

  it('a graceful stop shows at once (the stopping event): stopping=yes while a job finishes, then exit 3', async () => {
    await t.start(1);
    const gate = join(t.home, 'stop-gate');
    const id = await t.ok(['enqueue', `while [ ! -e '${gate}' ]; do sleep 0.05; done`]);
    await t.until(id, 'processing');
    const piped = new Watch(t, ['status', '--watch'], { terminal: false });
    await waitFor(() => piped.lines().length >= 1, 10_000, 'the first line');
    expect(piped.lines().join('\n')).not.toContain('stopping=yes');
    const stopping = startCli(t, ['worker', 'stop']);
    await waitFor(() => piped.lines().some((l) => l.includes('stopping=yes')), 10_000, 'a line saying stopping');
    expect(existsSync(gate)).toBe(false);
    writeFileSync(gate, '');
    expect(await piped.exited).toBe(3);
    expect((await stopping.done).code).toBe(0);
  });
});
