import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_DEFINITIONS, JOB_STATES } from '../../protocol/index.js';
import { CLI, TestHome, type CliResult } from '../helpers/daemon.js';

/**
 * `queuectl completion bash|zsh|fish`: the scripts load, and complete commands, subcommands, flags, states,
 * config keys and job ids from the running daemon (through `queuectl __complete ids`, which prints nothing
 * and exits 0 at once when no daemon runs). The built CLI is put on PATH as `queuectl` through a shim, as a
 * user would have it. zsh and fish tests run when those shells are installed (else they are skipped, saying so).
 */

const has = (shell: string): boolean => spawnSync(shell, ['-c', 'exit 0']).status === 0;
const hasZsh = has('zsh');
const hasFish = has('fish');
if (!hasZsh) console.warn('completion.test: zsh is not installed; the zsh script tests are skipped');
if (!hasFish) console.warn('completion.test: fish is not installed; the fish script tests are skipped');

const shim = mkdtempSync(join(tmpdir(), 'qctl-bin-'));
writeFileSync(join(shim, 'queuectl'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
chmodSync(join(shim, 'queuectl'), 0o755);

function run(t: TestHome, shell: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // stdin is /dev/null: fish reads a script from a pipe on stdin even with -c.
    const child = spawn(shell, args, { env: t.env({ PATH: `${shim}${delimiter}${process.env.PATH}` }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** bash: what _queuectl offers for the words typed (the last is the word under the cursor). */
async function bashComplete(t: TestHome, words: string[], wordbreaks?: string): Promise<string[]> {
  const script = [
    'source <(queuectl completion bash)',
    ...(wordbreaks !== undefined ? [`COMP_WORDBREAKS=${q(wordbreaks)}`] : []),
    `COMP_WORDS=(queuectl ${words.map(q).join(' ')})`,
    `COMP_CWORD=${words.length}`,
    '_queuectl',
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ].join('\n');
  const r = await run(t, 'bash', ['-c', script]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** Bash splits `--state=p` into three words at '=' (with the default COMP_WORDBREAKS). */
const splitAtEquals = (words: string[]): string[] => words.flatMap((w) => (/^--[^=]+=/.test(w) ? [w.slice(0, w.indexOf('=')), '=', w.slice(w.indexOf('=') + 1)] : [w]));

/** The commands `queuectl --help` lists, as an independent check that the scripts follow the program. */
function helpCommands(): string[] {
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout;
  const section = help.slice(help.indexOf('Commands:'));
  return [...section.matchAll(/^ {2}([a-z][\w-]*)(?:\|(\w+))?/gm)].flatMap((m) => (m[2] ? [m[1]!, m[2]] : [m[1]!]));
}

describe('shell completion', () => {
  const t = new TestHome();
  const none = new TestHome();

  beforeAll(async () => {
    await t.start(1);
    await t.ok(['enqueue', '{"id":"cmp-done","command":"true"}']);
    await t.ok(['enqueue', '{"id":"cmp-dead","command":"exit 2","max_retries":0}']);
    await t.until('cmp-done', 'completed');
    await t.until('cmp-dead', 'dead');
  });
  afterAll(async () => {
    await t.dispose();
    await none.dispose();
    rmSync(shim, { recursive: true, force: true });
  });

  it("bash: source <(queuectl completion bash); complete -p queuectl", async () => {
    const r = await run(t, 'bash', ['-c', 'source <(queuectl completion bash); complete -p queuectl']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.trim()).toBe('complete -F _queuectl queuectl');
  });

  it('bash: every command queuectl --help lists (and the rm alias), none hidden; subcommands of dlq, config, worker', async () => {
    const top = await bashComplete(t, ['']);
    expect(top.sort()).toEqual(helpCommands().sort());
    expect(top).toEqual(expect.arrayContaining(['enqueue', 'status', 'list', 'rm', 'remove', 'completion']));
    expect(top).not.toContain('__complete');
    expect(await bashComplete(t, ['d'])).toEqual(['dlq']);
    expect(await bashComplete(t, ['dlq', ''])).toEqual(['list', 'retry', 'purge', 'help']);
    expect(await bashComplete(t, ['config', ''])).toEqual(['list', 'get', 'set', 'help']);
    expect(await bashComplete(t, ['worker', 's'])).toEqual(['start', 'stop']);
  });

  it('bash: flags of the command being typed, after other flags and values too', async () => {
    expect(await bashComplete(t, ['list', '--s'])).toEqual(['--state', '--search', '--sort']);
    expect(await bashComplete(t, ['status', '-'])).toEqual(['-w', '--watch', '--json', '-h', '--help']);
    expect(await bashComplete(t, ['list', '--limit', '5', '--w'])).toEqual(['--wide']);
    expect(await bashComplete(t, ['dlq', 'retry', '--a'])).toEqual(['--all']);
  });

  it('bash: states, sorts, --fields lists, config keys and shells; --opt=value with and without = in COMP_WORDBREAKS', async () => {
    expect(await bashComplete(t, ['list', '--state', ''])).toEqual([...JOB_STATES]);
    expect(await bashComplete(t, ['list', '--state', 'p'])).toEqual(['pending', 'processing']);
    expect(await bashComplete(t, splitAtEquals(['list', '--state=d']))).toEqual(['dead']);
    expect(await bashComplete(t, ['list', '--state=d'], ' \t\n"\'><;|&(:')).toEqual(['--state=dead']);
    expect(await bashComplete(t, ['list', '--sort', 'pr'])).toEqual(['priority']);
    expect(await bashComplete(t, ['list', '--fields', 'id,st'])).toEqual(['id,state', 'id,started_at']);
    expect(await bashComplete(t, ['config', 'get', ''])).toEqual(CONFIG_DEFINITIONS.map((d) => d.key));
    expect(await bashComplete(t, ['config', 'set', 'max_r'])).toEqual(['max_retries']);
    // The value of config set is free text: nothing offered.
    expect(await bashComplete(t, ['config', 'set', 'max_retries', ''])).toEqual([]);
    expect(await bashComplete(t, ['completion', ''])).toEqual(['bash', 'zsh', 'fish']);
    // A free-text value is not mistaken for a subcommand or an argument.
    expect(await bashComplete(t, ['list', '--search', ''])).toEqual([]);
  });

  it('bash: job ids from the running daemon (dlq retry: only dead ones), for every id argument', async () => {
    expect(await bashComplete(t, ['show', 'cmp-'])).toEqual(['cmp-dead', 'cmp-done']);
    expect(await bashComplete(t, ['rm', '--json', 'cmp-do'])).toEqual(['cmp-done']);
    expect(await bashComplete(t, ['retry', 'cmp-done', 'cmp-'])).toEqual(['cmp-dead', 'cmp-done']);
    expect(await bashComplete(t, ['dlq', 'retry', ''])).toEqual(['cmp-dead']);
    expect(await bashComplete(t, ['logs', '--', 'cmp-de'])).toEqual(['cmp-dead']);
  });

  it('__complete ids: "id<TAB>state · command", newest first; with no daemon nothing at all, exit 0, quickly', async () => {
    expect(await t.ok(['__complete', 'ids'])).toBe('cmp-dead\tdead · exit 2\ncmp-done\tcompleted · true');
    expect(await t.ok(['__complete', 'ids', '--state', 'dead'])).toBe('cmp-dead\tdead · exit 2');
    const started = Date.now();
    const r = await none.cli(['__complete', 'ids']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(Date.now() - started).toBeLessThan(1500);
    // And so the completion offers nothing for ids (no error into the prompt).
    expect(await bashComplete(none, ['show', ''])).toEqual([]);
  });

  it('completion scripts are printed for bash, zsh and fish; each says how to load it', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await t.cli(['completion', shell]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`queuectl completion ${shell}`);
      expect(r.stdout).toContain('__complete ids');
    }
  });

  it.skipIf(!hasZsh)('zsh: the script parses (zsh -n) and offers commands, flags, states, config keys and ids', async () => {
    writeFileSync(join(shim, 'queuectl.zsh'), (await t.cli(['completion', 'zsh'])).stdout);
    expect(await run(t, 'zsh', ['-n', join(shim, 'queuectl.zsh')])).toEqual({ code: 0, stdout: '', stderr: '' });
    // compadd/_describe stand-ins print what would be offered; the engine and data are the script's own.
    const probe = (words: string[]) =>
      run(t, 'zsh', [
        '-fc',
        [
          'compdef() { :; }',
          '_describe() { local a=${@[-1]}; print -rl -- "${(@P)a}"; }',
          'compadd() { while (( $# )); do [[ $1 == -- ]] && { shift; break; }; shift; done; print -rl -- "$@"; }',
          'compset() { :; }',
          'source <(queuectl completion zsh)',
          `words=(queuectl ${words.map(q).join(' ')}); CURRENT=${words.length + 1}`,
          '_queuectl',
        ].join('\n'),
      ]).then((r) => r.stdout.split('\n').filter((l) => l !== ''));
    expect(await probe([''])).toEqual(expect.arrayContaining(['dlq:the dead-letter queue: jobs whose retries ran out', 'rm:delete finished jobs (completed, dead, canceled) with their history… (= remove)']));
    expect((await probe(['dlq', ''])).map((l) => l.split(':')[0])).toEqual(['list', 'retry', 'purge', 'help']);
    expect((await probe(['list', '--'])).map((l) => l.split(':')[0])).toContain('--fields');
    expect(await probe(['list', '--state', ''])).toEqual([...JOB_STATES]);
    expect(await probe(['config', 'set', ''])).toEqual(CONFIG_DEFINITIONS.map((d) => d.key));
    expect(await probe(['dlq', 'retry', ''])).toEqual(['cmp-dead:dead · exit 2']);
  });

  it.skipIf(!hasFish)('fish: the script parses (fish -n) and offers commands, flags, states, config keys and ids', async () => {
    writeFileSync(join(shim, 'queuectl.fish'), (await t.cli(['completion', 'fish'])).stdout);
    expect(await run(t, 'fish', ['-n', join(shim, 'queuectl.fish')])).toEqual({ code: 0, stdout: '', stderr: '' });
    const probe = (line: string) =>
      run(t, 'fish', ['-c', `queuectl completion fish | source; complete -C ${q(line)}`]).then((r) => r.stdout.split('\n').filter((l) => l !== ''));
    expect((await probe('queuectl dl')).map((l) => l.split('\t')[0])).toEqual(['dlq']);
    expect((await probe('queuectl dlq ')).map((l) => l.split('\t')[0])).toEqual(['help', 'list', 'purge', 'retry']);
    expect((await probe('queuectl list --sta')).map((l) => l.split('\t')[0])).toEqual(['--state']);
    expect(await probe('queuectl list --state ')).toEqual([...JOB_STATES].sort());
    expect(await probe('queuectl list --state=pe')).toEqual(['--state=pending']);
    expect(await probe('queuectl config get max_')).toEqual(['max_retries']);
    expect(await probe('queuectl show cmp-')).toEqual(['cmp-dead\tdead · exit 2', 'cmp-done\tcompleted · true']);
  });
});
