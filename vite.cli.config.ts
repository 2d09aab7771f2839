import { chmodSync } from 'node:fs';
import { defineConfig } from 'vite';
import { routeDynamicImports } from './scripts/vite-route-imports.js';

/**
 * The queuectl CLI, two self-contained CommonJS files (commander bundled in) so each call starts fast:
 * `out/cli/main.cjs`, the CLI itself, and `out/cli/queuectl.cjs`, the executable that runs main.cjs from V8's
 * code cache (cli/launcher/). The CLI imports only protocol/; the daemon bundle it launches is out/node/daemon.js.
 */
export default defineConfig({
  build: {
    ssr: true,
    target: 'node20',
    outDir: 'out/cli',
    emptyOutDir: true,
    minify: true,
    sourcemap: false,
    rolldownOptions: {
      input: { queuectl: 'cli/launcher/main.ts', main: 'cli/main.ts' },
      output: {
        format: 'cjs',
        entryFileNames: '[name].cjs',
        banner: (chunk) => (chunk.name === 'queuectl' ? '#!/usr/bin/env node' : ''),
      },
    },
  },
  ssr: { noExternal: true },
  plugins: [
    routeDynamicImports('main'),
    {
      name: 'queuectl-executable',
      writeBundle() {
        chmodSync('out/cli/queuectl.cjs', 0o755);
      },
    },
  ],
});
