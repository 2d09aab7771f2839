import type { Command } from 'commander';
import { CONFIG_ALIASES, configAlias, type ConfigEntry } from '../../protocol/index.js';
import { withClient } from '../client.js';
import { dim, oneLine, printJson, printLine, printTable } from '../output.js';

/** Text values longer than this are cut in the `config list` table (`config get` prints them whole). */
const TABLE_TEXT_MAX = 48;

/** A value for people: numbers as they are, text quoted (so '' and spaces show) on one line. */
function shown(value: number | string, cut = Infinity): string {
  if (typeof value === 'number') return String(value);
  const line = oneLine(value);
  return JSON.stringify(line.length > cut ? `${line.slice(0, cut - 1)}…` : line);
}

/** What a setting accepts, for the RANGE column. */
function range(entry: ConfigEntry): string {
  return entry.type === 'string' ? `text ≤ ${entry.maxLength}` : `${entry.min}..${entry.max}`;
}

/**
 * A key as typed, resolved through CONFIG_ALIASES: the setting's key, and a value in the alias's unit
 * (`job-timeout 30` is 30 s) turned into the setting's (ms). A value that is not a number goes as typed, for
 * the daemon's check to name.
 */
function resolveKey(typed: string): { key: string; toSetting(value: string): string; fromSetting(value: number | string): number | string } {
  const alias = configAlias(typed);
  const scale = alias?.unit === 's' ? 1000 : 1;
  return {
    key: alias?.key ?? typed,
    toSetting: (value) => (scale === 1 || !/^\s*\d+(\.\d+)?\s*$/.test(value) ? value : String(Math.round(Number(value) * scale))),
    fromSetting: (value) => (typeof value === 'number' ? value / scale : value),
  };
}

export function registerConfig(program: Command): void {
  const config = program.command('config').description('queue settings, stored with the jobs; changes apply at once');

  config
    .command('list')
    .description('every setting with its value')
    .option('--json', 'print as JSON')
    .option('--aliases', 'the other names config get and set accept (those of other job queues), and the settings they stand for')
    .action(async (opts: { json?: boolean; aliases?: boolean }) => {
      if (opts.aliases) {
        if (opts.json) return printJson(CONFIG_ALIASES);
        return printTable(
          ['ALIAS', 'SETTING', 'UNIT'],
          CONFIG_ALIASES.map((a) => [a.alias, a.key, a.unit === 's' ? 'seconds' : 'as the setting']),
        );
      }
      const { entries } = await withClient((c) => c.call('config.list', {}));
      if (opts.json) return printJson(Object.fromEntries(entries.map((e) => [e.key, e.value])));
      printTable(
        ['KEY', 'VALUE', 'DEFAULT', 'RANGE', 'DESCRIPTION'],
        entries.map((e) => [e.key, shown(e.value, TABLE_TEXT_MAX), dim(shown(e.default, TABLE_TEXT_MAX)), range(e), e.description]),
      );
    });

  config
    .command('get')
    .description('print one setting (max_retries and max-retries both work, and the aliases of config list --aliases); text settings print as they are')
    .argument('<key>')
    .option('--json', 'print the setting with its definition as JSON')
    .action(async (typed: string, opts: { json?: boolean }) => {
      const { key, fromSetting } = resolveKey(typed);
      const { entry } = await withClient((c) => c.call('config.get', { key }));
      if (opts.json) printJson(entry);
      else printLine(String(fromSetting(entry.value)));
    });

  config
    .command('set')
    .description('change a setting; it is checked, stored, and applied without a restart ("" clears a text setting); aliases: config list --aliases')
    .argument('<key>')
    .argument('<value>')
    .option('--json', 'print the setting with its definition as JSON')
    .action(async (typed: string, value: string, opts: { json?: boolean }) => {
      const { key, toSetting } = resolveKey(typed);
      const { entry } = await withClient((c) => c.call('config.set', { key, value: toSetting(value) }));
      if (opts.json) printJson(entry);
      else printLine(`${entry.key} = ${shown(entry.value)}`);
    });
}
