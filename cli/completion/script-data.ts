import { allSpecs, type CommandSpec, type ValueKind } from './spec.js';

/**
 * What every completion script is generated from: the command tree flattened into lookup tables keyed by
 * command path (`queue set`), which each shell's script turns into its own `case`/`switch` functions.
 */

/** A value kind as the scripts' data carries it: `w:a b c` words, `l:a b c` a comma list, `ids[:state]`, `dirs`, `files`, `-`. */
export function kindCode(kind: ValueKind | null): string {
  if (!kind) return '';
  switch (kind.type) {
    case 'words':
      return `w:${kind.words.join(' ')}`;
    case 'list':
      return `l:${kind.words.join(' ')}`;
    case 'ids':
      return kind.state ? `ids:${kind.state}` : 'ids';
    case 'dirs':
      return 'dirs';
    case 'files':
      return 'files';
    case 'none':
      return '-';
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** A command's key in the tables: its path from the root, `queue set` (the root's is ''). */
const pathOf = (c: CommandSpec): string => c.path.join(' ');

/** The lookup tables, as [key, value] rows. */
export interface ScriptData {
  /** [path|word, new path] for every subcommand name and alias. */
  sub: Array<[string, string]>;
  /** [path, [name, description][]]: the subcommands (aliases too). */
  subs: Array<[string, Array<[string, string]>]>;
  /** [path, [option, description][]]. */
  opts: Array<[string, Array<[string, string]>]>;
  /** [path|option, kind code] for options that take a value. */
  optval: Array<[string, string]>;
  /** [path, kind codes, last is variadic]. */
  args: Array<[string, string[], boolean]>;
}

/** The tables for every command under `root` (itself included). */
export function scriptData(root: CommandSpec): ScriptData {
  const data: ScriptData = { sub: [], subs: [], opts: [], optval: [], args: [] };
  for (const c of allSpecs(root)) {
    const path = pathOf(c);
    if (c.subcommands.length > 0) {
      const names: Array<[string, string]> = [];
      for (const s of c.subcommands) {
        for (const n of [s.name, ...s.aliases]) {
          data.sub.push([`${path}|${n}`, pathOf(s)]);
          names.push([n, n === s.name ? s.description : `${s.description} (= ${s.name})`]);
        }
      }
      data.subs.push([path, names]);
    }
    const opts: Array<[string, string]> = [];
    for (const o of c.options) {
      for (const n of o.names) {
        opts.push([n, o.description]);
        if (o.value) data.optval.push([`${path}|${n}`, kindCode(o.value)]);
      }
    }
    data.opts.push([path, opts]);
    if (c.args.length > 0) data.args.push([path, c.args.map((a) => kindCode(a.kind)), c.args[c.args.length - 1]!.variadic]);
  }
  return data;
}
