import type { Plugin } from 'vite';
import { IMPORT_HOOK_KEY } from '../cli/launcher/import-hook.js';

/** What replaces the keyword `import` in `import(x)`: the launcher's hook, or plain `import()` when there is none. */
export const HOOKED_IMPORT = `(globalThis[Symbol.for(${JSON.stringify(IMPORT_HOOK_KEY)})]??((s,o)=>import(s,o)))`;

/**
 * Routes every `import()` in the chunk `chunkName` through the launcher's import hook (cli/launcher/import-hook.ts),
 * so the chunk can run from V8's code cache on Node 20.
 */
export function routeDynamicImports(chunkName: string): Plugin {
  return {
    name: 'queuectl-route-dynamic-imports',
    renderChunk(code, chunk) {
      if (chunk.name !== chunkName) return null;
      const starts: number[] = [];
      visit(this.parse(code), (node) => {
        if (node.type === 'ImportExpression') starts.push(node.start);
      });
      let out = code;
      for (const start of starts.sort((a, b) => b - a)) {
        if (code.slice(start, start + 6) !== 'import') throw new Error(`unexpected import() at ${start}: ${code.slice(start, start + 40)}`);
        out = out.slice(0, start) + HOOKED_IMPORT + out.slice(start + 6);
      }
      return { code: out, map: null };
    },
  };
}

interface AstNode {
  type: string;
  start: number;
}

function visit(node: unknown, onNode: (node: AstNode) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) visit(child, onNode);
  } else if (node !== null && typeof node === 'object') {
    if (typeof (node as AstNode).type === 'string') onNode(node as AstNode);
    for (const value of Object.values(node)) visit(value, onNode);
  }
}
