import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The desktop host's split: logic in Electron-free modules (loadable, and tested, under plain Node, where
 * importing electron would try to download it and kill the process), Electron calls only in
 * electron/main/glue/ and the entry electron/main/index.ts.
 */
function imports(dir: string): Array<{ file: string; spec: string }> {
  const out: Array<{ file: string; spec: string }> = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mjs)$/.test(name)) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
          out.push({ file: relative('.', path), spec: (m[1] ?? m[2] ?? m[3])! });
        }
      }
    }
  };
  walk(dir);
  return out;
}

const target = (file: string, spec: string): string | null => (spec.startsWith('.') ? relative('.', resolve(join(file, '..', spec))) : null);
const isGlue = (file: string): boolean => file.startsWith('electron/main/glue/') || file === 'electron/main/index.ts';
const isElectron = (spec: string): boolean => spec === 'electron' || spec.startsWith('electron/') || spec === 'electron-store';

describe('desktop import boundaries', () => {
  it('only glue/ and the entry import electron or electron-store', () => {
    const offenders = imports('electron/main').filter(({ file, spec }) => isElectron(spec) && !isGlue(file));
    expect(offenders).toEqual([]);
  });

  it('logic modules never import glue/ or the entry (so they stay loadable under Node)', () => {
    const offenders = imports('electron/main').filter(({ file, spec }) => {
      const t = target(file, spec);
      return !isGlue(file) && t !== null && (t.startsWith('electron/main/glue') || t === 'electron/main/index.js');
    });
    expect(offenders).toEqual([]);
  });

  it('the desktop tests load no Electron code', () => {
    const offenders = imports('tests/desktop').filter(({ file, spec }) => {
      const t = target(file, spec);
      return isElectron(spec) || (t !== null && (t.startsWith('electron/main/glue') || t === 'electron/main/index.js'));
    });
    expect(offenders).toEqual([]);
  });

  it('the host reaches neither the CLI nor the renderer; the preload only electron and protocol types', () => {
    const host = imports('electron/main').filter(({ file, spec }) => {
      const t = target(file, spec);
      return t !== null && (t.startsWith('cli') || t.startsWith('renderer'));
    });
    expect(host).toEqual([]);
    const preload = imports('preload').filter(({ file, spec }) => {
      const t = target(file, spec);
      return t === null ? spec !== 'electron' : !t.startsWith('protocol');
    });
    expect(preload).toEqual([]);
    expect(readFileSync('preload/index.ts', 'utf8')).toMatch(/import type \{[^}]*\} from '\.\.\/protocol\/index\.js'/);
  });
});
