import { chmodSync } from 'node:fs';
import { defineConfig } from 'vite';

/**
 * The queuectl CLI: one self-contained ESM file (commander bundled in) so each call starts fast.
 * It imports only protocol/; the daemon bundle it launches is out/node/daemon.js.
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
      input: { queuectl: 'cli/main.ts' },
      output: { format: 'cjs', entryFileNames: '[name].cjs', banner: '#!/usr/bin/env node' },
    },
  },
  ssr: { noExternal: true },
  plugins: [
    {
      name: 'queuectl-executable',
      writeBundle() {
        chmodSync('out/cli/queuectl.cjs', 0o755);
      },
    },
  ],
});
