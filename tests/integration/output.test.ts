import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../protocol/index.js';
import { CLI, TestHome, type CliResult } from '../helpers/daemon.js';

/**
 * Output for people and for scripts, through the built CLI: colour only on a terminal and never with
 * NO_COLOR (FORCE_COLOR forces it), tables fitted to the terminal's width (--wide: in full), --fields for
 * scripts, human times in show/list/status, --json on every command that prints data, and untrusted text
 * (commands with escape sequences) never reaching the terminal raw.
 */

/** util-linux `script` runs the CLI on a pseudo-terminal (skipped without it). */
const hasScript = spawnSync('script', ['--version']).status === 0;

// eslint-disable-next-line no-control-regex
const ESC = /\x1b/;
// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
/** Columns a line takes on a terminal (the commands here are ASCII apart from "…" and "⏎"). */
const width = (s: string): number => [...stripAnsi(s)].length;

const LONG = `echo ${'all work and no play makes jack a dull boy '.repeat(4).trim()}`;
const TTY_ENV = { TERM: 'xterm-256color', NO_COLOR: undefined, FORCE_COLOR: undefined, COLUMNS: undefined, LINES: undefined };

/** Runs the CLI on a terminal; `setup` runs in the shell first (e.g. stty cols 60). stdout and stderr are one stream there. */
function onTerminal(t: TestHome, args: string[], env: NodeJS.ProcessEnv = {}, setup = ''): Promise<CliResult> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const line = (setup ? setup + '; exec ' : 'exec ') + [process.execPath, CLI, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', line, '/dev/null'], { env: t.env({ ...TTY_ENV, ...env }) });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: stdout.replace(/\r\n/g, '\n'), stderr: '' }));
    child.stdin.end();
  });
}

describe('output for people and scripts', () => {
  const t = new TestHome();
  /** The CLI without a terminal and without NO_COLOR (the helper sets it by default). */
  const plain = (args: string[], env: NodeJS.ProcessEnv = {}) => t.cli(args, { env: { NO_COLOR: undefined, FORCE_COLOR: undefined, COLUMNS: undefined, ...env } });

  beforeAll(async () => {
    await t.start(2);
    await t.ok(['enqueue', JSON.stringify({ id: 'out-long', command: LONG, name: 'jack' })]);
    await t.ok(['enqueue', JSON.stringify({ id: 'out-dead', command: `echo ${'x'.repeat(100)}; exit 4`, max_retries: 0 })]);
    // A tab, and an escape sequence that would retitle the terminal if printed raw.
    await t.ok(['enqueue', JSON.stringify({ id: 'out-ctl', command: "printf 'a\\tb' # \t\u001b]0;pwned\u0007 end" })]);
    await t.until('out-long', 'completed');
    await t.until('out-dead', 'dead');
    await t.until('out-ctl', 'completed');
  });
  afterAll(async () => {
    await t.dispose();
  });

  describe('colour', () => {
    it('none when stdout is not a terminal (piped), for list, show, status, dlq list and config list', async () => {
      for (const args of [['list'], ['show', 'out-dead'], ['status'], ['dlq', 'list'], ['config', 'list']]) {
        const r = await plain(args);
        expect(r.code, args.join(' ')).toBe(0);
        expect(r.stdout, args.join(' ')).not.toMatch(ESC);
        expect(r.stdout.length).toBeGreaterThan(0);
      }
    });

    it('FORCE_COLOR turns it on without a terminal; FORCE_COLOR=0 does not; NO_COLOR always wins', async () => {
      expect((await plain(['list'], { FORCE_COLOR: '1' })).stdout).toContain('\x1b[32mcompleted\x1b[0m');
      expect((await plain(['list'], { FORCE_COLOR: '0' })).stdout).not.toMatch(ESC);
      expect((await plain(['list'], { FORCE_COLOR: '1', NO_COLOR: '1' })).stdout).not.toMatch(ESC);
    });

    it.skipIf(!hasScript)('on a terminal: coloured states and bold headers', async () => {
      const r = await onTerminal(t, ['list']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('\x1b[32mcompleted\x1b[0m');
      expect(r.stdout).toContain('\x1b[31mdead\x1b[0m');
      expect(r.stdout).toContain('\x1b[1mID\x1b[0m');
    });

    it.skipIf(!hasScript)('on a terminal with NO_COLOR=1 (or TERM=dumb): no escape codes at all', async () => {
      for (const env of [{ NO_COLOR: '1' }, { TERM: 'dumb' }]) {
        for (const args of [['list'], ['show', 'out-long'], ['status']]) {
          const r = await onTerminal(t, args, env);
          expect(r.code).toBe(0);
          expect(r.stdout, `${JSON.stringify(env)} ${args.join(' ')}`).not.toMatch(ESC);
          expect(r.stdout).toContain('out-');
        }
      }
    });
  });

  describe('width', () => {
    it.skipIf(!hasScript)('COLUMNS=60 on a terminal: every line fits, long commands end in "…"; --wide prints them in full', async () => {
      const r = await onTerminal(t, ['list'], { COLUMNS: '60' });
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines.length).toBe(4);
      for (const l of lines) expect(width(l), l).toBeLessThanOrEqual(60);
      const long = lines.find((l) => l.startsWith('out-long'))!;
      expect(stripAnsi(long)).toMatch(/\[jack\] echo .*…$/);
      expect(r.stdout).not.toContain(LONG);

      const wide = await onTerminal(t, ['list', '--wide'], { COLUMNS: '60' });
      expect(wide.stdout).toContain(`[jack] ${LONG}`);
      expect(Math.max(...wide.stdout.trimEnd().split('\n').map(width))).toBeGreaterThan(60);
    });

    it.skipIf(!hasScript)("the terminal's own width counts too (stty cols 50), and narrow tables drop PRI and RUNS before cutting commands to nothing", async () => {
      const r = await onTerminal(t, ['list'], {}, 'stty cols 50 rows 30');
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      for (const l of lines) expect(width(l), l).toBeLessThanOrEqual(50);
      expect(stripAnsi(lines[0]!)).toMatch(/^ID\s+STATE\s+.*COMMAND$/);
      expect(lines[0]).not.toContain('PRI');
      expect(stripAnsi(lines.find((l) => l.startsWith('out-long'))!)).toMatch(/\[jack\] echo .*…$/);
    });

    it.skipIf(!hasScript)('dlq list, show and status fit too', async () => {
      for (const args of [['dlq', 'list'], ['show', 'out-dead'], ['status']]) {
        const r = await onTerminal(t, args, { COLUMNS: '60' });
        expect(r.code).toBe(0);
        for (const l of r.stdout.trimEnd().split('\n')) {
          // show prints a job's full command, error and failed runs' last lines on purpose; its table fits.
          if (args[0] === 'show' && /^(command|last error|last line|log|run \d+ last line:)\s/.test(stripAnsi(l))) continue;
          expect(width(l), `${args.join(' ')}: ${l}`).toBeLessThanOrEqual(60);
        }
      }
    });

    it('without a terminal nothing is cut, whatever COLUMNS says', async () => {
      const r = await plain(['list'], { COLUMNS: '40' });
      expect(r.stdout).toContain(`[jack] ${LONG}`);
      expect(r.stdout).not.toContain('…');
    });
  });

  describe('untrusted text', () => {
    it('control characters in a command are shown escaped in tables, never sent raw to the terminal', async () => {
      const r = await plain(['list', '--wide']);
      const line = r.stdout.split('\n').find((l) => l.startsWith('out-ctl'))!;
      expect(line).not.toMatch(ESC);
      expect(line).not.toContain('\u0007');
      expect(line).toContain('\\x1b]0;pwned\\x07 end');
      const show = await plain(['show', 'out-ctl']);
      expect(show.stdout).not.toMatch(ESC);
      expect(show.stdout).toContain('\\x1b]0;pwned\\x07');
    });
  });

  describe('--fields for scripts', () => {
    it('prints the chosen fields tab-separated after a header line; null is empty; tabs and line breaks are escaped', async () => {
      const r = await plain(['list', '--fields', 'id,state,exit_code,name,command', '--sort', 'command', '--order', 'asc']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe('id\tstate\texit_code\tname\tcommand');
      const rows = lines.slice(1).map((l) => l.split('\t'));
      expect(rows.every((cells) => cells.length === 5)).toBe(true);
      expect(rows.find((c) => c[0] === 'out-long')).toEqual(['out-long', 'completed', '0', 'jack', LONG]);
      expect(rows.find((c) => c[0] === 'out-dead')!.slice(0, 4)).toEqual(['out-dead', 'dead', '4', '']);
      const ctl = rows.find((c) => c[0] === 'out-ctl')!;
      expect(ctl[4]).toBe("printf 'a\\\\tb' # \\t\u001b]0;pwned\u0007 end");
      expect(r.stdout).not.toContain('…');
    });

    it('--no-header leaves out the header; fields may be spaced and in any case; --state and --limit still apply', async () => {
      expect(await t.ok(['list', '--fields', ' ID , State', '--no-header', '--state', 'dead'])).toBe('out-dead\tdead');
      const ids = (await t.ok(['list', '--fields', 'id', '--no-header', '--limit', '2'])).split('\n');
      expect(ids).toHaveLength(2);
    });

    it('timestamps are raw ISO for scripts; an empty result is the header alone', async () => {
      const [head, row] = (await t.ok(['list', '--fields', 'created_at,finished_at', '--state', 'dead'])).split('\n');
      expect(head).toBe('created_at\tfinished_at');
      for (const v of row!.split('\t')) expect(new Date(v).toISOString()).toBe(v);
      expect(await t.ok(['list', '--fields', 'id', '--state', 'canceled'])).toBe('id');
      expect(await t.ok(['list', '--fields', 'id', '--state', 'canceled', '--no-header'])).toBe('');
    });

    it('with --json: the same jobs as objects with only those fields', async () => {
      const jobs = await t.json<Array<Partial<Job>>>(['list', '--fields', 'id,state', '--state', 'dead']);
      expect(jobs).toEqual([{ id: 'out-dead', state: 'dead' }]);
    });
  });

  describe('human times', () => {
    it('show: local times with how long ago, the run duration; no raw ISO timestamps', async () => {
      const out = await t.ok(['show', 'out-dead']);
      expect(out).toMatch(/^created\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \((now|[\d.]+m?s ago|\d+m \d\ds ago)\)$/m);
      expect(out).toMatch(/^finished\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(/m);
      expect(out).toMatch(/^duration\s+\d+(ms|\.\d+s)$/m);
      expect(out).toMatch(/^\s+1\s+failed\s+4\s+-\s+\S+\s+\d\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+exited with code 4$/m);
      expect(out).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
      const json = await t.show('out-dead');
      expect(json.created_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    });

    it('list says when, relative to now; status gives uptime, and lists recent failures', async () => {
      const list = await t.ok(['list', '--state', 'completed']);
      expect(list).toMatch(/^out-long\s+completed\s+1\/4\s+0\s+(now|\S+ ago)\s+/m);
      const status = await t.ok(['status']);
      expect(status).toMatch(/· up \d/);
      expect(status).toMatch(/^recent failures$/m);
      expect(status).toMatch(/^\s+out-dead\s+\S+ ago\s+run 1\s+exit 4\s+now dead\s+echo x+; exit 4$/m);
    });
  });

  it('--json is accepted by every command that prints data (checked against the command tree)', async () => {
    type Node = { path: string[]; subcommands: Node[]; options: Array<{ names: string[] }> };
    const tree = JSON.parse(await t.ok(['__complete', 'tree'])) as Node;
    const leaves = (n: Node): Node[] => (n.subcommands.length ? n.subcommands.flatMap(leaves) : [n]);
    // Not data: a shell script, a job's raw output (logs), help.
    const exempt = new Set(['completion', 'logs']);
    const missing = leaves(tree)
      .filter((n) => n.path[n.path.length - 1] !== 'help' && !exempt.has(n.path.join(' ')))
      .filter((n) => !n.options.some((o) => o.names.includes('--json')))
      .map((n) => n.path.join(' '));
    expect(missing).toEqual([]);
    expect(leaves(tree).length).toBeGreaterThan(15);
  });
});
