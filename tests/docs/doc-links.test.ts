import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Links between the docs lead somewhere: every relative link in the READMEs and docs/ names a file that
 * exists, and a `#fragment` names a heading of that file (as GitHub makes anchors from headings).
 */

const DOCS = ['README.md', 'bench/README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

const withoutCode = (markdown: string): string => markdown.replace(/^```[\s\S]*?^```$/gm, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped (but - and _), each space a hyphen. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
}

function anchors(file: string): Set<string> {
  const headings = withoutCode(readFileSync(file, 'utf8')).match(/^#{1,6} .*$/gm) ?? [];
  return new Set(headings.map((h) => anchorOf(h.replace(/^#+ /, ''))));
}

/** Every broken link of one doc, as "doc: target (why)". */
function brokenLinks(doc: string): string[] {
  const broken: string[] = [];
  for (const m of withoutCode(readFileSync(doc, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/.test(target)) continue; // http:, mailto:
    const [path, fragment] = target.split('#') as [string, string | undefined];
    const file = path === '' ? doc : join(dirname(doc), path);
    if (!existsSync(file)) broken.push(`${doc}: ${target} (no such file)`);
    else if (fragment !== undefined && file.endsWith('.md') && !anchors(file).has(fragment)) broken.push(`${doc}: ${target} (no such heading)`);
  }
  return broken;
}

describe('links in the docs', () => {
  it('makes anchors as GitHub does', () => {
    expect(anchorOf('Web dashboard (`queuectl ui --web`)')).toBe('web-dashboard-queuectl-ui---web');
    expect(anchorOf('`save_interval_ms` under SQLite')).toBe('save_interval_ms-under-sqlite');
    expect(anchorOf('Output, exit codes, ids')).toBe('output-exit-codes-ids');
  });

  it('lead to files and headings that exist', () => {
    expect(DOCS.flatMap(brokenLinks)).toEqual([]);
  });
});
