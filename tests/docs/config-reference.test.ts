import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_DEFINITIONS, type ConfigDefinition } from '../../protocol/index.js';

/**
 * docs/config.md's table says what protocol/config.ts defines: one row per key, no row for a key that does
 * not exist, and each row's type, range and default as the definition has them (a human note may follow in
 * parentheses, e.g. "3600000 (1 h)").
 */

interface Row {
  key: string;
  type: string;
  default: string;
  meaning: string;
}

function rows(markdown: string): Row[] {
  return markdown
    .split('\n')
    .filter((line) => /^\| `[a-z_]+` \|/.test(line))
    .map((line) => {
      const cells = line.slice(1, -1).split(' | ').map((c) => c.trim());
      return { key: cells[0]!.replace(/`/g, ''), type: cells[1]!, default: cells[2]!, meaning: cells.slice(3).join(' | ') };
    });
}

/** What the type and default cells must start with (then nothing, or a space and a note). */
function expected(def: ConfigDefinition): { type: string; default: string } {
  if (def.type === 'string') return { type: `text, at most ${def.maxLength} characters`, default: JSON.stringify(def.default) };
  return { type: `${def.type} ${def.min}–${def.max}`, default: String(def.default) };
}

const startsAsWord = (cell: string, value: string): boolean => cell === value || cell.startsWith(`${value} `);

/** Every way a row can disagree with its definition. */
function mismatches(table: Row[]): string[] {
  const problems: string[] = [];
  for (const def of CONFIG_DEFINITIONS) {
    const found = table.filter((r) => r.key === def.key);
    if (found.length !== 1) {
      problems.push(`${def.key}: ${found.length} rows`);
      continue;
    }
    const row = found[0]!;
    const want = expected(def);
    if (!startsAsWord(row.type, want.type)) problems.push(`${def.key}: type "${row.type}", protocol/config.ts says "${want.type}"`);
    if (!startsAsWord(row.default, want.default)) problems.push(`${def.key}: default "${row.default}", protocol/config.ts says ${want.default}`);
    if (!def.live && !/restart/.test(row.meaning)) problems.push(`${def.key}: applies only after a restart; the row must say so`);
  }
  const keys = new Set(CONFIG_DEFINITIONS.map((d) => d.key as string));
  for (const row of table) if (!keys.has(row.key)) problems.push(`${row.key}: no such setting in protocol/config.ts`);
  return problems;
}

describe('docs/config.md', () => {
  const table = rows(readFileSync('docs/config.md', 'utf8'));

  it('has one row per setting with the type, range and default protocol/config.ts defines', () => {
    expect(mismatches(table)).toEqual([]);
  });

  it('notices a wrong default, a wrong range, a missing key and an unknown key', () => {
    const edited = table
      .filter((r) => r.key !== 'workers')
      .map((r) => (r.key === 'max_retries' ? { ...r, default: '5' } : r.key === 'backoff_jitter' ? { ...r, type: 'number 0–2' } : r));
    edited.push({ key: 'max_retry', type: 'integer 0–1', default: '0', meaning: '' });
    expect(mismatches(edited)).toEqual([
      'max_retries: default "5", protocol/config.ts says 3',
      'backoff_jitter: type "number 0–2", protocol/config.ts says "number 0–1"',
      'workers: 0 rows',
      'max_retry: no such setting in protocol/config.ts',
    ]);
  });
});
