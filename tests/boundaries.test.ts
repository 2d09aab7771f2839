import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every import specifier in the TypeScript/Svelte files under `dir`. */
function importsUnder(dir: string): Array<{ file: string; spec: string }> {
  const out: Array<{ file: string; spec: string }> = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|svelte)$/.test(name)) {
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

const project = (spec: string, file: string): string | null =>
  spec.startsWith('.') ? relative('.', resolve(join(file, '..', spec))) : null;

describe('import boundaries (the design relies on them)', () => {
  it('the engine, the CLI and the protocol never import electron (it cannot load under plain Node)', () => {
    const offenders = ['electron/engine', 'cli', 'protocol']
      .flatMap(importsUnder)
      .filter(({ spec }) => spec === 'electron' || spec.startsWith('electron/'));
    expect(offenders).toEqual([]);
  });

  it('the CLI imports only protocol/, node built-ins and commander', () => {
    const offenders = importsUnder('cli').filter(({ file, spec }) => {
      const target = project(spec, file);
      if (target) return !(target.startsWith('cli') || target.startsWith('protocol'));
      return !(spec.startsWith('node:') || spec === 'commander');
    });
    expect(offenders).toEqual([]);
  });

  it('protocol/ imports nothing of the project; only protocol/node uses node built-ins', () => {
    const offenders = importsUnder('protocol').filter(({ file, spec }) => {
      const target = project(spec, file);
      if (target) return !target.startsWith('protocol');
      return !(file.startsWith('protocol/node') && spec.startsWith('node:'));
    });
    expect(offenders).toEqual([]);
  });

  it('the renderer imports only protocol/ (never main, engine, CLI or node code)', () => {
    const offenders = importsUnder('renderer').filter(({ file, spec }) => {
      const target = project(spec, file);
      if (target) return !(target.startsWith('renderer') || (target.startsWith('protocol') && !target.startsWith('protocol/node')));
      return spec.startsWith('node:') || spec === 'electron';
    });
    expect(offenders).toEqual([]);
  });

  it('the engine does not reach into hosts, CLI or renderer', () => {
    const offenders = importsUnder('electron/engine').filter(({ file, spec }) => {
      const target = project(spec, file);
      return target !== null && !(target.startsWith('electron/engine') || target.startsWith('protocol'));
    });
    expect(offenders).toEqual([]);
  });
});
