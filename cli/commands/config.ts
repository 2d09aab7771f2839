import type { Command } from 'commander';
import { withClient } from '../client.js';
import { dim, printJson, printLine, printTable } from '../output.js';

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
        entries.map((e) => [e.key, String(e.value), dim(String(e.default)), `${e.min}..${e.max}`, e.description]),
      );
    });

  config
    .command('get')
    .description('print one setting (max_retries and max-retries both work)')
    .argument('<key>')
    .option('--json', 'print the setting with its definition as JSON')
    .action(async (key: string, opts: { json?: boolean }) => {
      const { entry } = await withClient((c) => c.call('config.get', { key }));
      if (opts.json) printJson(entry);
      else printLine(String(entry.value));
    });

  config
    .command('set')
    .description('change a setting; it is checked, stored, and applied without a restart')
    .argument('<key>')
    .argument('<value>')
    .option('--json', 'print the setting with its definition as JSON')
    .action(async (key: string, value: string, opts: { json?: boolean }) => {
      const { entry } = await withClient((c) => c.call('config.set', { key, value }));
      if (opts.json) printJson(entry);
      else printLine(`${entry.key} = ${entry.value}`);
    });
}
