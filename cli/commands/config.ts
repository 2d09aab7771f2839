import type { Command } from 'commander';
import type { ConfigEntry } from '../../protocol/index.js';
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

export function registerConfig(program: Command): void {
  const config = program.command('config').description('queue settings, stored with the jobs; changes apply at once');

  config
    .command('list')
    .description('every setting with its value')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { entries } = await withClient((c) => c.call('config.list', {}));
      if (opts.json) return printJson(Object.fromEntries(entries.map((e) => [e.key, e.value])));
      printTable(
        ['KEY', 'VALUE', 'DEFAULT', 'RANGE', 'DESCRIPTION'],
        entries.map((e) => [e.key, shown(e.value, TABLE_TEXT_MAX), dim(shown(e.default, TABLE_TEXT_MAX)), range(e), e.description]),
      );
    });

  config
    .command('get')
    .description('print one setting (max_retries and max-retries both work); text settings print as they are')
    .argument('<key>')
    .option('--json', 'print the setting with its definition as JSON')
    .action(async (key: string, opts: { json?: boolean }) => {
      const { entry } = await withClient((c) => c.call('config.get', { key }));
      if (opts.json) printJson(entry);
      else printLine(String(entry.value));
    });

  config
    .command('set')
    .description('change a setting; it is checked, stored, and applied without a restart ("" clears a text setting)')
    .argument('<key>')
    .argument('<value>')
    .option('--json', 'print the setting with its definition as JSON')
    .action(async (key: string, value: string, opts: { json?: boolean }) => {
      const { entry } = await withClient((c) => c.call('config.set', { key, value }));
      if (opts.json) printJson(entry);
      else printLine(`${entry.key} = ${shown(entry.value)}`);
    });
}
