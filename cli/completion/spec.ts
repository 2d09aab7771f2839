import type { Argument, Command, Option } from 'commander';
import { CLEANABLE_STATES, CONFIG_DEFINITIONS, JOB_STATES, LIST_SORTS } from '../../protocol/index.js';
import { JOB_FIELDS } from '../fields.js';

/**
 * What the shell completion scripts complete, read from commander's program object when the script is
 * printed, so it never goes stale: every visible command with its aliases, its options (and which take a
 * value), its positional arguments, and what a value or argument can be. Job ids are the one dynamic part:
 * the scripts ask `queuectl __complete ids` for them at completion time.
 */

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** What a value (of an option or a positional argument) can be. */
export type ValueKind =
  /** One of these words. */
  | { type: 'words'; words: string[] }
  /** A comma-separated list of these words (`--fields id,state`). */
  | { type: 'list'; words: string[] }
  /** Job ids from the running daemon, optionally of one state. */
  | { type: 'ids'; state?: string }
  | { type: 'dirs' }
  | { type: 'files' }
  /** Free text: nothing to offer. */
  | { type: 'none' };

export interface OptionSpec {
  /** `-y`, `--yes`. */
  names: string[];
  description: string;
  /** null for a flag; what its value can be when it takes one. */
  value: ValueKind | null;
}

export interface ArgSpec {
  name: string;
  variadic: boolean;
  kind: ValueKind;
}

export interface CommandSpec {
  /** Canonical names from the top, e.g. ['dlq', 'retry']; [] for queuectl itself. */
  path: string[];
  name: string;
  aliases: string[];
  description: string;
  subcommands: CommandSpec[];
  options: OptionSpec[];
  args: ArgSpec[];
}

const words = (w: readonly string[]): ValueKind => ({ type: 'words', words: [...w] });

/** Values named by the option's long flag (checked first: `--sort <field>` is not the field list). */
const BY_OPTION: Record<string, () => ValueKind> = {
  '--state': () => words(JOB_STATES),
  '--sort': () => words(LIST_SORTS),
  '--order': () => words(['asc', 'desc']),
  '--fields': () => ({ type: 'list', words: JOB_FIELDS }),
  '--cwd': () => ({ type: 'dirs' }),
};

/** Values named by the placeholder of an option (`<state>`) or the name of an argument (`<id>`). */
const BY_PLACEHOLDER: Record<string, () => ValueKind> = {
  state: () => words(JOB_STATES),
  id: () => ({ type: 'ids' }),
  key: () => words(CONFIG_DEFINITIONS.map((d) => d.key)),
  shell: () => words(SHELLS),
  order: () => words(['asc', 'desc']),
  dir: () => ({ type: 'dirs' }),
  file: () => ({ type: 'files' }),
  path: () => ({ type: 'files' }),
};

/** Commands whose ids are best offered from one state. */
const ID_STATE: Record<string, string> = { 'dlq retry': 'dead' };

const placeholder = (flags: string): string | null => /[<[]([\w-]+)(?:\.\.\.)?[>\]]/.exec(flags)?.[1] ?? null;

function optionValue(option: Option, commandName: string): ValueKind | null {
  if (!option.required && !option.optional) return null;
  if (option.argChoices) return words(option.argChoices);
  // clean takes only finished states, as a comma list.
  if (option.long === '--state' && commandName === 'clean') return { type: 'list', words: [...CLEANABLE_STATES] };
  const byOption = option.long ? BY_OPTION[option.long] : undefined;
  if (byOption) return byOption();
  const name = placeholder(option.flags);
  const byName = name ? BY_PLACEHOLDER[name] : undefined;
  return byName ? byName() : { type: 'none' };
}

function argKind(arg: Argument, path: string[], siblings: string[]): ValueKind {
  if (arg.argChoices) return words(arg.argChoices);
  const name = arg.name();
  if (name === 'id') {
    const state = ID_STATE[path.join(' ')];
    return state ? { type: 'ids', state } : { type: 'ids' };
  }
  // `help [command]` completes the names of its siblings.
  if (path[path.length - 1] === 'help' && name === 'command') return words(siblings);
  const byName = BY_PLACEHOLDER[name];
  return byName ? byName() : { type: 'none' };
}

/** One line of a description, short enough for a completion menu. */
function short(description: string): string {
  let text = description.replace(/\s+/g, ' ').split(';')[0]!.trim();
  // A clause cut inside parentheses loses them.
  if ((text.match(/\(/g) ?? []).length > (text.match(/\)/g) ?? []).length) text = text.slice(0, text.lastIndexOf('(')).trim();
  if (text.length <= 70) return text;
  const cut = text.slice(0, 70);
  return cut.slice(0, cut.lastIndexOf(' ') > 40 ? cut.lastIndexOf(' ') : 69).replace(/[\s,:(]+$/, '') + '…';
}

/** The completion spec of `cmd` and everything under it. */
export function buildSpec(cmd: Command, path: string[] = [], siblings: string[] = []): CommandSpec {
  const help = cmd.createHelp();
  const subs = help.visibleCommands(cmd);
  const subNames = subs.map((c) => c.name());
  return {
    path,
    name: cmd.name(),
    aliases: cmd.aliases(),
    description: short(cmd.description()),
    subcommands: subs.map((c) => buildSpec(c, [...path, c.name()], subNames)),
    options: help.visibleOptions(cmd).map((o) => ({
      names: [o.short, o.long].filter((n): n is string => typeof n === 'string'),
      description: short(o.description),
      value: optionValue(o, cmd.name()),
    })),
    args: cmd.registeredArguments.map((a) => ({ name: a.name(), variadic: a.variadic, kind: argKind(a, path, siblings) })),
  };
}

/** Every command in the tree, the root first. */
export function allSpecs(spec: CommandSpec): CommandSpec[] {
  return [spec, ...spec.subcommands.flatMap(allSpecs)];
}
