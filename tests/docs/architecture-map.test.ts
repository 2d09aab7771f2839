import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/architecture.md is the map a newcomer reads first, so it must not drift from the tree:
 * - under "## Engine files", every table row starts with one engine file's path relative to electron/engine/
 *   (`store/transitions/finish.ts`); every .ts file under electron/engine/ has such a row, and every row names
 *   a file that exists;
 * - anywhere in the doc, a file named in backticks (`cli/main.ts`, or an engine path such as `rpc/dispatch.ts`)
 *   or a repository folder (`cli/commands/`) exists, so a renamed or deleted file cannot stay on the map.
 */

const DOC = 'docs/architecture.md';
const ENGINE = 'electron/engine';
const SECTION = '## Engine files';
/** Folders at the top of the repository: a backticked token starting with one of them is a repository path. */
const REPO_FOLDERS = ['bench/', 'cli/', 'docs/', 'electron/', 'preload/', 'protocol/', 'renderer/', 'resources/', 'scripts/', 'tests/'];

function engineFiles(dir = ENGINE): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return engineFiles(path);
    return name.endsWith('.ts') ? [relative(ENGINE, path)] : [];
  });
}

/** The lines from "## Engine files" to the next level-2 heading. */
function engineSection(doc: string): string[] {
  const lines = doc.split('\n');
  const start = lines.indexOf(SECTION);
  if (start < 0) throw new Error(`${DOC} has no "${SECTION}" section`);
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The first cell of every table row in the section (header and separator rows left out). */
function firstCells(section: string[]): string[] {
  return section
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) => line.split('|')[1]!.trim())
    .filter((cell) => cell !== 'file');
}

/** Every `backticked` token that names a file (.ts, .svelte) or a repository folder (ends in /). */
function namedPaths(doc: string): string[] {
  const tokens = [...doc.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!);
  return tokens.filter(
    (t) => !/[<>*{}]/.test(t) && (/\.(ts|svelte)$/.test(t) || (t.endsWith('/') && REPO_FOLDERS.some((f) => t.startsWith(f)))),
  );
}

const exists = (token: string): boolean => existsSync(token) || existsSync(join(ENGINE, token));

describe('docs/architecture.md, the map of the code', () => {
  const doc = readFileSync(DOC, 'utf8');
  const cells = firstCells(engineSection(doc));

  it('each row of the engine tables names one file, in backticks, relative to electron/engine/', () => {
    expect(cells.length).toBeGreaterThan(0);
    expect(cells.filter((cell) => !/^`[^`]+\.ts`$/.test(cell))).toEqual([]);
  });

  it('every .ts file under electron/engine/ has its row', () => {
    const rows = new Set(cells.map((cell) => cell.slice(1, -1)));
    expect(engineFiles().filter((file) => !rows.has(file))).toEqual([]);
  });

  it('every engine row names a file that exists, once', () => {
    const named = cells.map((cell) => cell.slice(1, -1));
    expect(named.filter((file) => !existsSync(join(ENGINE, file)))).toEqual([]);
    expect(named.filter((file, i) => named.indexOf(file) !== i)).toEqual([]);
  });

  it('every file or folder named anywhere in the doc exists (from the repository root, or under electron/engine/)', () => {
    expect(namedPaths(doc).filter((token) => !exists(token))).toEqual([]);
  });
});
