import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/cli.md cannot drift from the commander tree: its reference section must be what
 * scripts/cli-reference.mjs makes from the built CLI's `--help` (one heading per command, none for a command
 * that does not exist), and every `queuectl …` the docs show (```sh examples and inline code) must name a
 * real command and only options that command has. Needs the built CLI (`npm test` builds it first).
 */

interface CommandNode {
  name: string;
  aliases: string[];
  subcommands: CommandNode[];
  options: Array<{ names: string[] }>;
}

/** The built CLI, as a user runs it. */
const CLI = resolve('out/cli/queuectl.cjs');

/** Docs whose `queuectl …` invocations are checked. */
const DOCS = ['README.md', 'docs/cli.md', 'docs/config.md', 'docs/protocol.md'];

function commandTree(): CommandNode {
  const r = spawnSync(process.execPath, [CLI, '__complete', 'tree'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`queuectl __complete tree failed (is the CLI built? npm run build:node): ${r.stderr}`);
  return JSON.parse(r.stdout) as CommandNode;
}

/** Each `queuectl …` the doc shows: lines of ```sh blocks, and inline code spans outside code blocks. */
function invocations(markdown: string): string[] {
  const found: string[] = [];
  const prose = markdown.replace(/^```(\w*)\n([\s\S]*?)^```$/gm, (_all, lang: string, body: string) => {
    if (lang === 'sh') found.push(...body.split('\n'));
    return '';
  });
  for (const m of prose.matchAll(/`([^`\n]+)`/g)) found.push(m[1]!);
  return found.flatMap((text) => {
    // Quoted words are arguments (commands, cron expressions, JSON); a comment is prose.
    const code = text.replace(/'[^']*'|"[^"]*"/g, 'ARG').replace(/(^|\s)#.*$/, '');
    return [...code.matchAll(/(?:^|[\s(])queuectl((?:[ \t]+[^\s|;)]+)*)/g)].map((m) => `queuectl${m[1]}`);
  });
}

/** What is wrong with one invocation, or null. */
function check(invocation: string, root: CommandNode): string | null {
  let cmd = root;
  for (const word of invocation.split(/\s+/).slice(1)) {
    if (word.startsWith('-')) {
      const flag = word.split('=')[0]!;
      const known = flag === '--help' || flag === '-h' || cmd.options.some((o) => o.names.includes(flag));
      if (!known) return `${invocation}: ${cmd.name} has no option ${flag}`;
    } else if (cmd.subcommands.length > 0) {
      if (word.startsWith('<')) return null; // a placeholder such as <command>
      const sub = cmd.subcommands.find((c) => c.name === word || c.aliases.includes(word));
      if (!sub) return `${invocation}: ${cmd.name} has no command ${word}`;
      cmd = sub;
    }
  }
  return null;
}

describe('docs/cli.md', () => {
  it('has the reference section the built CLI generates: every command, every option, nothing else', () => {
    const r = spawnSync(process.execPath, ['scripts/cli-reference.mjs', '--check'], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('finds the queuectl invocations it checks (so the check below is not vacuous)', () => {
    const shown = invocations(readFileSync('docs/cli.md', 'utf8'));
    expect(shown).toContain('queuectl dlq retry <id...>');
    expect(shown).toContain('queuectl completion bash');
    expect(shown.length).toBeGreaterThan(40);
  });

  it('shows only commands and options that exist, in README.md and docs/', () => {
    const root = commandTree();
    const wrong = DOCS.flatMap((doc) => invocations(readFileSync(doc, 'utf8')).map((inv) => check(inv, root)).filter((e) => e !== null).map((e) => `${doc}: ${e}`));
    expect(wrong).toEqual([]);
  });

  it('rejects an invocation naming a command or option that does not exist', () => {
    const root = commandTree();
    expect(check('queuectl dlq retry <id> --with-dependents', root)).toBeNull();
    expect(check('queuectl dlq requeue <id>', root)).toMatch(/dlq has no command requeue/);
    expect(check('queuectl list --colour', root)).toMatch(/list has no option --colour/);
  });
});
