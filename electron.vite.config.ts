import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';

/**
 * The desktop app: Electron main (hosts the engine), the sandboxed preload (CommonJS, as sandboxed preloads
 * must be), and the Svelte renderer. The CLI and the headless daemon are built by vite.cli.config.ts and
 * vite.node.config.ts, since they run under plain Node.
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        input: { index: resolve('electron/main/index.ts') },
        external: ['electron', 'better-sqlite3', 'execa', 'electron-store'],
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rolldownOptions: {
        input: { index: resolve('preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [svelte()],
    build: {
      outDir: 'out/renderer',
      rolldownOptions: { input: { index: resolve('renderer/index.html') } },
    },
  },
});
