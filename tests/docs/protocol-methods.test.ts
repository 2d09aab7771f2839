import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../protocol/index.js';

/**
 * docs/protocol.md's method table names every method of protocol/methods.ts once and nothing else, one short
 * row each: the details belong in methods.ts's doc comments, not in table cells.
 */

const ROW_MAX_CHARS = 120;

/** The method table's rows: first cell a `method`, as written. */
function methodRows(markdown: string): Array<{ method: string; line: string }> {
  const section = markdown.split(/^## Methods$/m)[1]?.split(/^#{2,3} /m)[0] ?? '';
  return [...section.matchAll(/^\| `([\w.]+)` \|.*$/gm)].map((m) => ({ method: m[1]!, line: m[0] }));
}

describe('docs/protocol.md', () => {
  const rows = methodRows(readFileSync('docs/protocol.md', 'utf8'));

  it('has one row per protocol method, in no particular order, and no row for a method that does not exist', () => {
    expect(rows.map((r) => r.method).sort()).toEqual([...METHOD_NAMES].sort());
  });

  it(`keeps each row under ${ROW_MAX_CHARS} characters`, () => {
    expect(rows.filter((r) => r.line.length > ROW_MAX_CHARS).map((r) => r.method)).toEqual([]);
  });
});
